"""``marquee edge nginx-metrics``: the Python edge's ``/metrics`` for an nginx edge.

nginx counts nothing per cache status itself (``stub_status`` has connections only), so the
generated configuration writes one JSON line per request (status, ``$upstream_cache_status``,
``$body_bytes_sent``, ``$upstream_response_time``) to an access log buffered in 64 KiB writes,
and this exporter follows that log: on each scrape it reads the lines appended since the last
one, counts them into the same metrics as the Python edge (:class:`EdgeMetrics`) and measures
the cache directory. nginx proxies its own ``/metrics`` to it. Why a log and an exporter rather
than mtail or an nginx module: mtail cannot measure the cache directory nor define histograms
with the Python edge's names, and a module means building nginx. The log costs nginx no
syscall per request and the figures lag by at most its 1 s flush.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from marquee.delivery.metrics import EdgeMetrics

log = logging.getLogger(__name__)
#: The answers that served an object (the Python edge counts a hit or a miss for each).
SERVED = frozenset({200, 206, 304, 416})
HIT_STATUSES = frozenset({"HIT", "STALE", "UPDATING", "REVALIDATED"})
CHUNK = 1 << 20


class LogFollower:
    """The lines appended to a file since the last read. The file stays open between reads, so
    after a rotation (``mv``, then ``nginx -s reopen``) the old file is read to its end before
    the new one is read from its start; a truncated file is read again from its start."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: BinaryIO | None = None
        self._partial = b""

    def lines(self) -> Iterator[bytes]:
        if self._handle is None and not self._open():
            return
        yield from self._read()
        if self._replaced():
            self._close()
            if self._open():
                yield from self._read()

    def _open(self) -> bool:
        try:
            self._handle = open(self.path, "rb")  # noqa: SIM115 (kept open between reads)
        except FileNotFoundError:
            return False
        self._partial = b""
        return True

    def _close(self) -> None:
        assert self._handle is not None
        self._handle.close()
        self._handle = None

    def _read(self) -> Iterator[bytes]:
        assert self._handle is not None
        if os.fstat(self._handle.fileno()).st_size < self._handle.tell():
            self._handle.seek(0)
            self._partial = b""
        while chunk := self._handle.read(CHUNK):
            *complete, self._partial = (self._partial + chunk).split(b"\n")
            yield from complete

    def _replaced(self) -> bool:
        assert self._handle is not None
        try:
            return os.stat(self.path).st_ino != os.fstat(self._handle.fileno()).st_ino
        except FileNotFoundError:  # moved away, not reopened yet: keep reading the old one
            return False


def cache_usage(cache_dir: Path) -> tuple[int, int]:
    """Bytes and files under the cache directory (nginx's cache files, headers included)."""
    total = files = 0
    for folder, _, names in os.walk(cache_dir):
        for name in names:
            try:
                total += os.stat(os.path.join(folder, name)).st_size
            except FileNotFoundError:  # evicted while we walked
                continue
            files += 1
    return total, files


class NginxEdgeMetrics:
    """An nginx edge's metrics, brought up to date from its access log on each scrape."""

    def __init__(self, access_log: Path, cache_dir: Path, capacity: int) -> None:
        self.follower = LogFollower(access_log)
        self.cache_dir = cache_dir
        self._usage = (0, 0)
        self._lock = threading.Lock()
        self.metrics = EdgeMetrics(lambda: self._usage[0], lambda: self._usage[1], capacity)

    def scrape(self) -> bytes:
        with self._lock:
            for line in self.follower.lines():
                self.count(line)
            self._usage = cache_usage(self.cache_dir)
            return generate_latest(self.metrics.registry)

    def count(self, line: bytes) -> None:
        """One request of the log, counted as the Python edge counts it."""
        try:
            entry: dict[str, Any] = json.loads(line)
            status, cache = int(entry["status"]), str(entry["cache"])
        except (ValueError, KeyError, TypeError):
            log.warning("nginx-metrics: not an access log line of ours: %r", line[:200])
            return
        m = self.metrics
        if status == 403 and not cache:
            m.rejected.inc()
        elif status == 502:
            m.origin_errors.inc()
        elif status in SERVED and cache:
            (m.hits if cache in HIT_STATUSES else m.misses).inc()
            m.bytes_served.inc(int(entry.get("bytes", 0)))
            fill_s = upstream_seconds(str(entry.get("upstream_s")))
            if cache == "MISS" and fill_s is not None:
                m.fill_seconds.observe(fill_s)


def upstream_seconds(field: str) -> float | None:
    """``$upstream_response_time``: ``0.012``, ``0.010, 0.004`` (several tries) or ``-``."""
    try:
        return sum(float(part) for part in field.replace(":", ",").split(","))
    except ValueError:
        return None


def make_server(exporter: NginxEdgeMetrics, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server answering ``/metrics`` (and ``/healthz``) for the exporter."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                self._send(200, exporter.scrape(), CONTENT_TYPE_LATEST)
            elif self.path == "/healthz":
                self._send(200, b'{"status": "ok"}', "application/json")
            else:
                self._send(404, b"not found", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)
