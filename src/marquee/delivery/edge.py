"""``marquee edge``: the Python edge cache node.

A lean HTTP/1.1 server on asyncio's selector event loop (whose ``loop.sendfile`` is the kernel's
``sendfile``; uvloop has none) with httptools parsing requests, because a generic ASGI stack
reached only 0.14-0.37x of bare nginx on this workload (docs/delivery.md). Per request: check the
delivery token locally (and its session against the revoked ones the edge polls), serve from
the disk cache (ranges, ETag/Last-Modified, 304) or fill a miss from the origin, one origin
fetch per object however many clients wait for it.

This module owns the edge itself (routing a request, health, metrics, a cache lookup or a
fill) and running it; the wire is :mod:`~marquee.delivery.edge_http`, fills
:mod:`~marquee.delivery.edge_origin`, sending a cached file :mod:`~marquee.delivery.edge_files`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import generate_latest

from marquee.delivery.cache import DiskCache
from marquee.delivery.edge_files import send_file
from marquee.delivery.edge_http import Connection, Reply, Request, problem, send_reply
from marquee.delivery.edge_origin import Origin, OriginError, OriginRefused
from marquee.delivery.errors import InvalidPath, InvalidToken
from marquee.delivery.headers import PREFLIGHT_HEADERS
from marquee.delivery.metrics import EdgeMetrics
from marquee.delivery.revocation import Poller, refuse_revoked
from marquee.delivery.tokens import KeyRing, canonical_path, verify
from marquee.kit.geo import Network, in_networks, parse_proxies

log = logging.getLogger(__name__)
FILL_ATTEMPTS = 3


@dataclass(frozen=True)
class EdgeConfig:
    origin: str
    region: str
    cache_dir: Path
    cache_size: int
    host: str = "0.0.0.0"  # noqa: S104 (an edge serves the public)
    port: int = 8080
    #: Who may read /metrics (``MARQUEE_METRICS_NETWORKS``): the peer's address, no proxy.
    metrics_networks: tuple[Network, ...] = tuple(parse_proxies("127.0.0.0/8,::1/128"))
    #: Seconds between reads of the revoked sessions (``MARQUEE_DELIVERY_REVOCATION_POLL_S``).
    revocation_poll_s: float = 15.0


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
        self.origin = Origin(config.origin, self.cache, self.metrics)
        self.revoked = Poller(config.origin, keys, config.revocation_poll_s)
        self._server: asyncio.Server | None = None
        #: Open client connections, closed with the edge (as when its process dies).
        self.connections: set[asyncio.Transport] = set()

    async def start(self) -> None:
        """Index the cache on disk and start listening."""
        await asyncio.to_thread(self.cache.load)
        self.origin.open()
        await self.revoked.start()
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
        await self.revoked.close()
        await self.origin.close()

    async def respond(self, request: Request, transport: asyncio.Transport) -> None:
        self.active += 1
        try:
            reply = await self._route(request, transport)
        finally:
            self.active -= 1
        if reply is not None:
            send_reply(transport, request, reply)

    async def _route(self, request: Request, transport: asyncio.Transport) -> Reply | None:
        try:  # one address per object, before the token check, the cache key and the fill
            request.path = canonical_path(request.path)
        except InvalidPath as exc:
            return problem(400, exc.slug, exc.detail)
        if request.path == "/healthz":
            return self._health()
        if request.path == "/metrics":
            peer = (transport.get_extra_info("peername") or ("",))[0]
            if not in_networks(peer, self.config.metrics_networks):
                detail = "Metrics are for the networks of MARQUEE_METRICS_NETWORKS."
                return problem(403, "forbidden", detail)
            body = generate_latest(self.metrics.registry)
            return Reply(200, body, content_type="text/plain; version=0.0.4; charset=utf-8")
        if request.method == "OPTIONS":
            return Reply(204, headers=list(PREFLIGHT_HEADERS), content_type="")
        if request.method not in ("GET", "HEAD"):
            return problem(405, "method-not-allowed", "An edge answers GET and HEAD only.")
        if not request.path.startswith("/t/"):
            return problem(404, "not-found", "An edge serves signed delivery addresses only.")
        try:
            claims = verify(self.keys, request.path)
            refuse_revoked(claims.session_id, self.revoked.sessions)
            key = claims.object_key
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
            return await send_file(request, transport, key, handle, hit, self.metrics)
        return problem(503, "edge-busy", "The edge could not keep this object; try again.")

    async def _fill_or_problem(self, key: str, path: str) -> Reply | None:
        try:
            await self.origin.fill(key, path)
        except OriginRefused as exc:  # the origin's own answer: 403 stays 403, 404 stays 404
            return Reply(exc.status, exc.body, content_type=exc.content_type)
        except OriginError as exc:
            return problem(502, "origin-unavailable", f"The origin could not be reached: {exc}")
        return None


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
