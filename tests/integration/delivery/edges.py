"""A fake origin and the two edges (Python and nginx), run for real on free local ports."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import socket
import subprocess
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from marquee.delivery import nginx, nginx_metrics
from marquee.delivery.edge import Edge, EdgeConfig
from marquee.delivery.errors import InvalidToken
from marquee.delivery.headers import cache_control, content_type, http_date
from marquee.delivery.revocation import REVOKED_PATH, NginxMapWriter, is_edge_credential
from marquee.delivery.tokens import KeyRing, verify
from tests.services import need_tool

MODIFIED = 1_700_000_000.0
LOOPBACK = ("127.0.0.0/8", "::1/128")
#: How often the edges read the revoked sessions here.
REVOCATION_POLL_S = 0.2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on port {port}")


class FakeOrigin:
    """Serves ``objects`` behind the token check and counts the fetches of each key; lists
    the ``revoked`` sessions to edges that show a delivery key's credential."""

    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys
        self.objects: dict[str, bytes] = {}
        self.revoked: list[str] = []
        self.fetches: Counter[str] = Counter()
        self.delay_s = 0.0
        self.down = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if origin.down:  # a kept-alive connection of a stopped origin: drop it
                    self.close_connection = True
                    return
                if self.path == REVOKED_PATH:
                    self._revoked()
                    return
                try:
                    key = verify(origin.keys, self.path).object_key
                except InvalidToken:
                    self._send(403, b"bad token", "text/plain")
                    return
                origin.fetches[key] += 1
                time.sleep(origin.delay_s)
                body = origin.objects.get(key)
                if body is None:
                    self._send(404, b"missing", "text/plain")
                    return
                self._send(200, body, content_type(key), cache_control(key))

            def _revoked(self) -> None:
                credential = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if not is_edge_credential(origin.keys, credential):
                    self._send(401, b"no credential", "text/plain")
                    return
                body = json.dumps({"sessions": origin.revoked}).encode()
                self._send(200, body, "application/json")

            def _send(self, status: int, body: bytes, ctype: str, cache: str = "") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Last-Modified", http_date(MODIFIED))
                self.send_header("ETag", f'"{len(body):x}-{int(MODIFIED):x}"')
                if cache:
                    self.send_header("Cache-Control", cache)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def stop(self) -> None:
        self.down = True
        self.server.shutdown()
        self.server.server_close()


class PythonEdge:
    """``marquee edge`` in a thread with its own (selector) event loop."""

    kind = "python"

    def __init__(
        self,
        origin: str,
        cache_dir: Path,
        cache_size: int,
        keys: KeyRing,
        metrics_networks: tuple[str, ...] = LOOPBACK,
    ) -> None:
        networks = tuple(ipaddress.ip_network(net) for net in metrics_networks)
        self.config = EdgeConfig(
            origin,
            "eu",
            cache_dir,
            cache_size,
            "127.0.0.1",
            free_port(),
            networks,
            REVOCATION_POLL_S,
        )
        self.keys = keys
        self.url = f"http://127.0.0.1:{self.config.port}"
        self.edge: Edge | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._loop = asyncio.new_event_loop()
        self.edge = Edge(self.config, self.keys)
        self._loop.run_until_complete(self.edge.start())
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        assert self._loop is not None
        assert self._thread is not None
        assert self.edge is not None
        asyncio.run_coroutine_threadsafe(self.edge.close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def restart(self) -> None:
        self.stop()
        self.start()


class NginxEdge:
    """The generated nginx configuration, run by a real nginx, with its metrics exporter."""

    kind = "nginx"

    def __init__(
        self,
        origin: str,
        cache_dir: Path,
        cache_size: int,
        keys: KeyRing,
        metrics_networks: tuple[str, ...] = LOOPBACK,
    ) -> None:
        self.binary = need_tool("nginx", install="apt-get install nginx")
        port = free_port()
        self.run_dir = cache_dir.parent / "nginx-run"
        nginx.prepare_run_dir(self.run_dir)
        metrics_port = free_port()
        config = nginx.NginxEdgeConfig(
            origin,
            cache_dir,
            cache_size,
            self.run_dir,
            "eu",
            port,
            workers="2",
            user=_user(),
            metrics_port=metrics_port,
            metrics_networks=metrics_networks,
        )
        self.conf = self.run_dir / "nginx.conf"
        self.conf.write_text(nginx.render(config, keys))
        self.url = f"http://127.0.0.1:{port}"
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None
        self.metrics_port = metrics_port
        self.metrics = nginx_metrics.NginxEdgeMetrics(
            self.run_dir / nginx.ACCESS_LOG, cache_dir, cache_size
        )
        self._exporter: ThreadingHTTPServer | None = None
        self._origin, self._keys = origin, keys
        self._revocations: NginxMapWriter | None = None

    def start(self) -> None:
        self._exporter = nginx_metrics.make_server(self.metrics, "127.0.0.1", self.metrics_port)
        threading.Thread(target=self._exporter.serve_forever, daemon=True).start()
        command = [self.binary, "-p", str(self.run_dir), "-c", str(self.conf), "-g", "daemon off;"]
        self._process = subprocess.Popen(command, stderr=subprocess.PIPE)
        try:
            wait_for_port(self.port)
        except TimeoutError:
            self._process.kill()
            _, err = self._process.communicate()
            raise RuntimeError(f"nginx did not start: {err.decode()}") from None
        # What `marquee edge nginx-metrics --origin` runs beside nginx.
        self._revocations = NginxMapWriter(
            self._origin, self._keys, self.run_dir, REVOCATION_POLL_S
        )
        self._revocations.start()

    def stop(self) -> None:
        assert self._process is not None
        assert self._exporter is not None
        assert self._revocations is not None
        self._revocations.stop()
        self._process.terminate()
        self._process.wait(10)
        self._exporter.shutdown()
        self._exporter.server_close()

    def restart(self) -> None:
        self.stop()
        self.start()

    def error_log(self) -> str:
        path = self.run_dir / "error.log"
        return path.read_text() if path.exists() else ""


def _user() -> str | None:
    """nginx started as root hands its workers to ``nobody``, who cannot write pytest's dirs."""
    return "root" if os.geteuid() == 0 else None


def get(url: str, **headers: str) -> httpx.Response:
    return httpx.get(url, headers=headers, timeout=30)
