"""A forward HTTP proxy on loopback whose responses share one link of a settable throughput: how
bench/abr.py makes Chromium's network follow a trace.

Chromium's own emulation (DevTools ``Network.emulateNetworkConditions``) cannot follow a trace:
each change of throughput releases at once every byte its throttle holds back, so a segment in
flight when the trace moves to its next second arrives whole (measured: 2 MB at 4 Mbit/s took
1.2 s instead of 4 s with the rate changed every second). Here the link is a queue: each chunk
of a response waits until the link has carried those before it at the rate of the moment, so
parallel downloads (audio beside video) share it, and a change of rate applies from the next
chunk on. Each response also waits ``latency_s`` before its first byte. Every response closes
its connection (``Connection: close``), so no response needs its length read. CONNECT tunnels
(Playwright's own requests) pass unshaped.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit

#: Bytes moved per turn on the link: small enough that parallel responses interleave.
CHUNK = 8 * 1024
#: Time the link may catch up on when a turn came late (the event loop of a loaded machine
#: wakes late): without it, every late wake would lower the throughput.
SLACK_S = 0.05
HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding"}


class Link:
    """The shared link: ``take(n)`` waits until ``n`` bytes have their turn at the rate set."""

    def __init__(self) -> None:
        self.bytes_per_s: float | None = None  # None: unlimited
        self._free_at = 0.0

    def set_mbps(self, mbps: float | None) -> None:
        self.bytes_per_s = None if mbps is None else mbps * 1e6 / 8

    async def take(self, size: int) -> None:
        rate = self.bytes_per_s
        if rate is None:
            return
        now = time.monotonic()
        self._free_at = max(now - SLACK_S, self._free_at) + size / rate
        await asyncio.sleep(max(0.0, self._free_at - now))


class Shaper:
    """The proxy, serving from a thread of its own; ``url`` is what Chromium is given."""

    def __init__(self, latency_s: float) -> None:
        self.link = Link()
        self.latency_s = latency_s
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._relays: set[asyncio.Task[None] | None] = set()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(10)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._relay, "127.0.0.1", 0, limit=1 << 20)
        )
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _relay(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        """One request from Chromium, relayed to its origin; the answer through the link."""
        task = asyncio.current_task()
        self._relays.add(task)  # the server holds its tasks weakly: a waiting one would be lost
        try:
            await self._request(client, to_client)
        finally:
            self._relays.discard(task)

    async def _request(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        try:
            head = await client.readuntil(b"\r\n\r\n")
            method, target, headers = _parse(head)
            if method == b"CONNECT":
                await _tunnel(client, to_client, target.decode())
                return
            body = await client.readexactly(_length(headers))
            origin = urlsplit(target.decode())
            upstream, to_origin = await asyncio.open_connection(origin.hostname, origin.port or 80)
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            to_client.close()
            return
        try:
            path = origin.path + (f"?{origin.query}" if origin.query else "")
            kept = [line for line in headers if _name(line) not in HOP_BY_HOP]
            request = [method + b" " + (path or "/").encode() + b" HTTP/1.1", *kept]
            to_origin.write(b"\r\n".join([*request, b"Connection: close", b"", b""]) + body)
            await to_origin.drain()
            await self._answer(upstream, to_client)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the player gave the request up (an aborted segment) or the origin did
        finally:
            to_origin.close()
            to_client.close()

    async def _answer(
        self, upstream: asyncio.StreamReader, to_client: asyncio.StreamWriter
    ) -> None:
        head = await upstream.readuntil(b"\r\n\r\n")
        status, *fields = head.rstrip(b"\r\n").split(b"\r\n")
        kept = [line for line in fields if _name(line) not in HOP_BY_HOP - {b"transfer-encoding"}]
        await asyncio.sleep(self.latency_s)
        to_client.write(b"\r\n".join([status, *kept, b"Connection: close", b"", b""]))
        while chunk := await upstream.read(CHUNK):
            await self.link.take(len(chunk))
            to_client.write(chunk)
            await to_client.drain()


async def _tunnel(client: asyncio.StreamReader, to_client: asyncio.StreamWriter, to: str) -> None:
    """A CONNECT tunnel, not shaped: how Playwright's own API requests (the bench signing in)
    reach the platform; the page's requests come as plain HTTP and are shaped."""
    host, port = to.rsplit(":", 1)
    upstream, to_origin = await asyncio.open_connection(host, int(port))
    to_client.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    await asyncio.gather(_pipe(client, to_origin), _pipe(upstream, to_client))


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while chunk := await source.read(CHUNK):
            sink.write(chunk)
            await sink.drain()
    except OSError:
        pass
    finally:
        sink.close()


def _parse(head: bytes) -> tuple[bytes, bytes, list[bytes]]:
    request_line, *headers = head.rstrip(b"\r\n").split(b"\r\n")
    method, target, _version = request_line.split(b" ", 2)
    if method == b"CONNECT":
        return method, target, headers
    if not target.startswith(b"http://"):
        raise ValueError("only absolute http:// requests are proxied")
    return method, target, headers


def _name(line: bytes) -> bytes:
    return line.split(b":", 1)[0].strip().lower()


def _length(headers: list[bytes]) -> int:
    for line in headers:
        if _name(line) == b"content-length":
            return int(line.split(b":", 1)[1])
    return 0


@contextmanager
def shaping(latency_s: float) -> Iterator[Shaper]:
    shaper = Shaper(latency_s)
    shaper.start()
    try:
        yield shaper
    finally:
        with suppress(RuntimeError):
            shaper.stop()
