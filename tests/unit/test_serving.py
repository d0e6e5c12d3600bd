import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request

from marquee.cli.serving import server_config, with_listening_url
from marquee.kit.web import client_address_of
from marquee.settings import Settings, load_settings
from tests.integration.delivery.edges import free_port

ALL_INTERFACES = "0.0.0.0"  # noqa: S104


def test_links_handed_to_clients_name_the_port_the_server_listens_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MARQUEE_PUBLIC_URL", raising=False)
    settings = with_listening_url(load_settings(data_dir=tmp_path), ALL_INTERFACES, 8200)
    assert settings.public_url == "http://127.0.0.1:8200"


def test_a_configured_public_url_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARQUEE_PUBLIC_URL", "https://tv.example.com")
    settings = with_listening_url(load_settings(data_dir=tmp_path), ALL_INTERFACES, 8200)
    assert settings.public_url == "https://tv.example.com"


@contextmanager
def _served(app: FastAPI, settings: Settings) -> Iterator[int]:
    """Serve ``app`` as ``marquee serve`` serves the API; yields its port."""
    port = free_port()
    server = uvicorn.Server(server_config(app, settings, "127.0.0.1", port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.01)
        yield port
    finally:
        server.should_exit = True
        thread.join(5)


def _address_seen(settings: Settings, forwarded_for: str) -> str:
    """The client address the app resolves for a request from 127.0.0.1 that says it
    forwards ``forwarded_for``."""
    app = FastAPI()
    app.state.platform = SimpleNamespace(settings=settings)

    @app.get("/address")
    def address(request: Request) -> dict[str, str]:
        return {"address": client_address_of(request)}

    with _served(app, settings) as port:
        response = httpx.get(
            f"http://127.0.0.1:{port}/address", headers={"X-Forwarded-For": forwarded_for}
        )
    return str(response.json()["address"])


def _answers_again_after_idling(settings: Settings, idle_s: float) -> bool:
    """Whether a connection left idle for ``idle_s`` after one request still answers a second
    one: a load balancer reuses its idle upstream connections so."""
    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict[str, bool]:
        return {"ok": True}

    request = b"GET /ping HTTP/1.1\r\nHost: node\r\n\r\n"
    with _served(app, settings) as port, socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(5)
        sock.sendall(request)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        time.sleep(idle_s)
        try:
            sock.sendall(request)
            return sock.recv(4096).startswith(b"HTTP/1.1 200")
        except OSError:
            return False


def test_an_idle_connection_stays_open_for_the_keep_alive_setting(tmp_path: Path) -> None:
    """The node must not close an idle connection before the balancer does (docs/operations.md:
    a POST sent on a connection the node is closing fails with 502, never retried)."""
    assert load_settings(data_dir=tmp_path).http_keep_alive_s > 60
    assert _answers_again_after_idling(load_settings(data_dir=tmp_path), 1.5)
    assert not _answers_again_after_idling(
        load_settings(data_dir=tmp_path, http_keep_alive_s=1), 1.5
    )


def test_forwarded_addresses_are_believed_from_the_trusted_proxies_only(tmp_path: Path) -> None:
    """Without MARQUEE_TRUSTED_PROXIES nobody forwards, 127.0.0.1 included (uvicorn's own
    proxy-headers default would believe it: a lock-out lifted, a country changed)."""
    untrusted = load_settings(data_dir=tmp_path, trusted_proxies="")
    trusted = load_settings(data_dir=tmp_path, trusted_proxies="127.0.0.1/32")
    assert _address_seen(untrusted, "203.0.113.9") == "127.0.0.1"
    assert _address_seen(trusted, "203.0.113.9") == "203.0.113.9"
