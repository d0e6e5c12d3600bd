"""Serving a cached object from the edge's disk: validators (ETag, Last-Modified, 304), a
single byte range (206, 416) and the body through the kernel's ``sendfile``, which sends a
whole segment in one call when it fits the socket's send buffer (docs/delivery.md)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from email.utils import parsedate_to_datetime
from typing import BinaryIO

from marquee.delivery.edge_http import Reply, Request, head_bytes, problem
from marquee.delivery.headers import (
    RangeNotSatisfiable,
    byte_range,
    cache_control,
    content_type,
    http_date,
)
from marquee.delivery.metrics import EdgeMetrics


async def send_file(
    request: Request,
    transport: asyncio.Transport,
    key: str,
    handle: BinaryIO,
    hit: bool,
    metrics: EdgeMetrics,
) -> Reply | None:
    """Answer ``request`` from the open cache file (closed here); ``None`` once sent."""
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
            start, end, status = _range(request, etag, stat.st_size, headers)
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
            metrics.bytes_served.inc(end - start + 1)
    if not request.keep_alive:
        transport.close()
    return None


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
