"""``marquee edge``: the Python edge cache node.

A lean HTTP/1.1 server on asyncio's selector event loop (whose ``loop.sendfile`` is the kernel's
``sendfile``; uvloop has none) with httptools parsing requests, because a generic ASGI stack
reached only 0.14-0.37x of bare nginx on this workload (docs/delivery.md). Per request: check the
delivery token locally, serve from the disk cache (ranges, ETag/Last-Modified, 304) or fill a miss
from the origin, one origin fetch per object however many clients wait for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO

import httptools
import httpx
from prometheus_client import generate_latest

from marquee.delivery.cache import DiskCache
from marquee.delivery.errors import InvalidToken
from marquee.delivery.headers import (
    CORS_HEADERS,
    PREFLIGHT_HEADERS,
    RangeNotSatisfiable,
    byte_range,
    cache_control,
    content_type,
    http_date,
)
from marquee.delivery.metrics import EdgeMetrics
from marquee.delivery.tokens import KeyRing, verify

log = logging.getLogger(__name__)
SERVER = b"marquee-edge"
FILL_ATTEMPTS = 3
ORIGIN_TIMEOUT = httpx.Timeout(10.0, connect=2.0)


@dataclass(frozen=True)
class EdgeConfig:
    origin: str
    region: str
    cache_dir: Path
    cache_size: int
    host: str = "0.0.0.0"  # noqa: S104 (an edge serves the public)
    port: int = 8080


class OriginError(Exception):
    """The origin could not give the object (down, timed out, or an unexpected answer)."""


class ObjectMissing(Exception):
    """The origin has no such object."""


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    keep_alive: bool


@dataclass
class Reply:
    """A small in-memory response (errors, health, metrics, 304, 416)."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/problem+json"


def problem(status: int, slug: str, detail: str) -> Reply:
    body = {"type": f"/problems/{slug}", "title": HTTPStatus(status).phrase, "status": status}
    return Reply(status, json.dumps({**body, "detail": detail}).encode())


def head_bytes(status: int, headers: list[tuple[str, str]], keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", "Server: marquee-edge"]
    lines += [f"{name}: {value}" for name, value in (*CORS_HEADERS, *headers)]
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Edge:
    """One edge node: a disk cache in front of the origin, behind the delivery token check."""

    def __init__(self, config: EdgeConfig, keys: KeyRing) -> None:
        self.config = config
        self.keys = keys
        self.cache = DiskCache(config.cache_dir, config.cache_size)
        self.metrics = EdgeMetrics(
            lambda: self.cache.bytes, lambda: len(self.cache), self.cache.capacity
        )
        self.active = 0
        self._origin = config.origin.rstrip("/")
        self._fills: dict[str, asyncio.Task[None]] = {}
        self._client: httpx.AsyncClient | None = None
        self._server: asyncio.Server | None = None
        #: Open client connections, closed with the edge (as when its process dies).
        self.connections: set[asyncio.Transport] = set()

    async def start(self) -> None:
        """Index the cache on disk and start listening."""
        await asyncio.to_thread(self.cache.load)
        self._client = httpx.AsyncClient(timeout=ORIGIN_TIMEOUT)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: Connection(self), self.config.host, self.config.port, backlog=1024
        )
        log.info("edge %s listening on port %d", self.config.region, self.port)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def serve_forever(self) -> None:
        assert self._server is not None
        await self._server.serve_forever()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for transport in list(self.connections):
            transport.abort()
        if self._client is not None:
            await self._client.aclose()

    async def respond(self, request: Request, transport: asyncio.Transport) -> None:
        self.active += 1
        try:
            reply = await self._route(request, transport)
        finally:
            self.active -= 1
        if reply is not None:
            send_reply(transport, request, reply)

    async def _route(self, request: Request, transport: asyncio.Transport) -> Reply | None:
        if request.path == "/healthz":
            return self._health()
        if request.path == "/metrics":
            body = generate_latest(self.metrics.registry)
            return Reply(200, body, content_type="text/plain; version=0.0.4; charset=utf-8")
        if request.method == "OPTIONS":
            return Reply(204, headers=list(PREFLIGHT_HEADERS), content_type="")
        if request.method not in ("GET", "HEAD"):
            return problem(405, "method-not-allowed", "An edge answers GET and HEAD only.")
        if not request.path.startswith("/t/"):
            return problem(404, "not-found", "An edge serves signed delivery addresses only.")
        try:
            key = verify(self.keys, request.path).object_key
        except InvalidToken as exc:
            self.metrics.rejected.inc()
            return problem(403, exc.slug, exc.detail)
        return await self._serve_object(request, transport, key)

    def _health(self) -> Reply:
        body = {
            "status": "ok",
            "region": self.config.region,
            "active_requests": self.active,
            "cache_bytes": self.cache.bytes,
        }
        return Reply(200, json.dumps(body).encode(), content_type="application/json")

    async def _serve_object(
        self, request: Request, transport: asyncio.Transport, key: str
    ) -> Reply | None:
        hit = True
        for _ in range(FILL_ATTEMPTS):
            path = self.cache.lookup(key)
            if path is None:
                hit = False
                failed = await self._fill_or_problem(key, request.path)
                if failed is not None:
                    return failed
                path = self.cache.path(key)
            try:
                handle = open(path, "rb")  # noqa: SIM115 (closed by send_file)
            except FileNotFoundError:
                continue  # evicted between the fill and now: fill again
            (self.metrics.hits if hit else self.metrics.misses).inc()
            return await self._send_file(request, transport, key, handle, hit)
        return problem(503, "edge-busy", "The edge could not keep this object; try again.")

    async def _fill_or_problem(self, key: str, path: str) -> Reply | None:
        try:
            await self.fill(key, path)
        except ObjectMissing:
            return problem(404, "not-found", "No such object.")
        except OriginError as exc:
            return problem(502, "origin-unavailable", f"The origin could not be reached: {exc}")
        return None

    async def fill(self, key: str, path: str) -> None:
        """Fetch ``key`` from the origin unless a fetch of it is already under way; wait for it."""
        task = self._fills.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch(key, path))
            self._fills[key] = task
            task.add_done_callback(lambda _: self._fills.pop(key, None))
        await asyncio.shield(task)

    async def _fetch(self, key: str, path: str) -> None:
        started = time.perf_counter()
        temp, out = self.cache.temp_file()
        try:
            with out:
                modified = await self._download(path, out)
            if os.stat(temp).st_size > self.cache.capacity:
                raise OriginError(f"{key} is larger than the whole edge cache")
            if modified is not None:
                os.utime(temp, (modified, modified))
            self.cache.admit(key, temp)
        except OriginError as exc:
            self.metrics.origin_errors.inc()
            log.error("edge fill of %s failed: %s", key, exc)
            raise
        finally:
            temp.unlink(missing_ok=True)
        self.metrics.fill_seconds.observe(time.perf_counter() - started)

    async def _download(self, path: str, out: BinaryIO) -> float | None:
        """Stream the object into ``out``; its Last-Modified as a timestamp, when given."""
        assert self._client is not None
        try:
            async with self._client.stream("GET", f"{self._origin}{path}") as response:
                if response.status_code == 404:
                    raise ObjectMissing(path)
                if response.status_code != 200:
                    raise OriginError(f"origin answered {response.status_code}")
                async for chunk in response.aiter_raw():
                    out.write(chunk)
                modified = response.headers.get("last-modified")
        except httpx.HTTPError as exc:
            raise OriginError(f"{type(exc).__name__}: {exc}") from exc
        await asyncio.to_thread(os.fsync, out.fileno())
        return parsedate_to_datetime(modified).timestamp() if modified else None

    async def _send_file(
        self,
        request: Request,
        transport: asyncio.Transport,
        key: str,
        handle: BinaryIO,
        hit: bool,
    ) -> Reply | None:
        with handle:
            stat = os.fstat(handle.fileno())
            etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
            headers = [
                ("ETag", etag),
                ("Last-Modified", http_date(stat.st_mtime)),
                ("Cache-Control", cache_control(key)),
                ("X-Cache", "HIT" if hit else "MISS"),
            ]
            if not_modified(request.headers, etag, stat.st_mtime):
                return Reply(304, headers=headers, content_type="")
            try:
                start, end, status = self._range(request, etag, stat.st_size, headers)
            except RangeNotSatisfiable:
                refused = problem(416, "range-not-satisfiable", "The range is outside the object.")
                refused.headers.append(("Content-Range", f"bytes */{stat.st_size}"))
                return refused
            headers += [
                ("Content-Type", content_type(key)),
                ("Content-Length", str(end - start + 1)),
                ("Accept-Ranges", "bytes"),
            ]
            transport.write(head_bytes(status, headers, request.keep_alive))
            if request.method == "GET" and end >= start:
                await send_body(transport, handle, start, end - start + 1)
                self.metrics.bytes_served.inc(end - start + 1)
        if not request.keep_alive:
            transport.close()
        return None

    @staticmethod
    def _range(
        request: Request, etag: str, size: int, headers: list[tuple[str, str]]
    ) -> tuple[int, int, int]:
        wanted = request.headers.get("range")
        found = byte_range(wanted, size) if request.headers.get("if-range", etag) == etag else None
        if found is None:
            return 0, size - 1, 200
        headers.append(("Content-Range", f"bytes {found[0]}-{found[1]}/{size}"))
        return found[0], found[1], 206


def not_modified(headers: dict[str, str], etag: str, mtime: float) -> bool:
    """RFC 9110 §13.2.2: If-None-Match wins over If-Modified-Since."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    since = headers.get("if-modified-since")
    if since is None:
        return False
    try:
        return int(mtime) <= parsedate_to_datetime(since).timestamp()
    except (TypeError, ValueError):
        return False


async def send_body(
    transport: asyncio.Transport, handle: BinaryIO, offset: int, count: int
) -> None:
    """The kernel's sendfile on asyncio's selector loop; a client gone mid-way closes quietly.

    A segment usually fits the socket's send buffer: one ``sendfile`` straight away then sends it
    all, without the writer registration, paused reading and extra loop turn of
    ``loop.sendfile``, which sends only what that first call left."""
    sent = 0
    try:
        sock = transport.get_extra_info("socket")
        if sock is not None and transport.get_write_buffer_size() == 0:
            with contextlib.suppress(BlockingIOError, InterruptedError):
                sent = os.sendfile(sock.fileno(), handle.fileno(), offset, count)
        if sent < count:
            loop = asyncio.get_running_loop()
            await loop.sendfile(transport, handle, offset + sent, count - sent)
    except (ConnectionError, RuntimeError):
        transport.close()


def send_reply(transport: asyncio.Transport, request: Request, reply: Reply) -> None:
    headers = list(reply.headers)
    if reply.content_type:
        headers.append(("Content-Type", reply.content_type))
    if reply.status != 304:
        headers.append(("Content-Length", str(len(reply.body))))
    body = b"" if request.method == "HEAD" or reply.status == 304 else reply.body
    transport.write(head_bytes(reply.status, headers, request.keep_alive) + body)
    if not request.keep_alive:
        transport.close()


class Connection(asyncio.Protocol):
    """One client connection: httptools parses, requests are answered in order."""

    def __init__(self, edge: Edge) -> None:
        self.edge = edge
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.pending: deque[Request] = deque()
        self.url = b""
        self.headers: dict[str, str] = {}
        self.worker: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.edge.connections.add(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            assert self.transport is not None
            bad = Request("GET", "", {}, keep_alive=False)
            send_reply(self.transport, bad, problem(400, "bad-request", "Malformed HTTP request."))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.edge.connections.discard(self.transport)
        if self.worker is not None:
            self.worker.cancel()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.url, self.headers = b"", {}

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_message_complete(self) -> None:
        path = httptools.parse_url(self.url).path.decode("latin-1")
        method = self.parser.get_method().decode("latin-1")
        self.pending.append(Request(method, path, self.headers, self.parser.should_keep_alive()))
        if self.worker is None or self.worker.done():
            self.worker = asyncio.create_task(self._answer())

    async def _answer(self) -> None:
        while self.pending and self.transport is not None and not self.transport.is_closing():
            await self.edge.respond(self.pending.popleft(), self.transport)


def run(config: EdgeConfig, keys: KeyRing) -> None:
    """Run an edge until SIGINT or SIGTERM, on the plain asyncio loop (it has native sendfile)."""

    async def main() -> None:
        edge = Edge(config, keys)
        await edge.start()
        serving = asyncio.ensure_future(edge.serve_forever())
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, serving.cancel)
        try:
            await serving
        except asyncio.CancelledError:
            log.info("edge stopped")
        finally:
            await edge.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


class EdgeThread:
    """An edge on its own event loop in a background thread: ``marquee serve --role edge``
    runs the whole platform, edge included, in one process."""

    def __init__(self, config: EdgeConfig, keys: KeyRing) -> None:
        self.config = config
        self.keys = keys
        self._loop: asyncio.AbstractEventLoop | None = None
        self._serving: asyncio.Future[None] | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="edge", daemon=True)

    def start(self, timeout_s: float = 30) -> None:
        """Start serving; raises what stopped the edge from listening (a port in use, say)."""
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise TimeoutError("the edge did not start listening")
        if self._failure is not None:
            raise self._failure

    def stop(self) -> None:
        if self._loop is not None and self._serving is not None:
            self._loop.call_soon_threadsafe(self._serving.cancel)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        edge = Edge(self.config, self.keys)
        try:
            await edge.start()
        except BaseException as exc:
            self._failure = exc
            self._ready.set()
            return
        self._loop = asyncio.get_running_loop()
        self._serving = asyncio.ensure_future(edge.serve_forever())
        self._ready.set()
        try:
            await self._serving
        except asyncio.CancelledError:
            log.info("edge stopped")
        finally:
            await edge.close()
