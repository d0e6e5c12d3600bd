"""``marquee`` as an operator runs it: serve on the embedded defaults and on real backends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import empty_database
from tests.services import POSTGRES_URL, REDIS_URL

MARQUEE = [sys.executable, "-m", "marquee.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARQUEE_")}
    env.update({"MARQUEE_DATA_DIR": str(data_dir), "MARQUEE_LOG_JSON": "false", **settings})
    return env


@contextmanager
def _serving(env: dict[str, str], edge_port: int | None = None) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [*MARQUEE, "serve", "--port", str(port), "--edge-port", str(edge_port or _free_port())],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"marquee serve exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail("marquee serve did not answer /healthz within 60 s")


def test_serve_on_a_fresh_data_dir_migrates_and_is_ready(tmp_path: Path) -> None:
    edge_port = _free_port()
    with _serving(_env(tmp_path / "var"), edge_port) as base:
        ready = httpx.get(f"{base}/readyz", timeout=5)
        edge = httpx.get(f"http://127.0.0.1:{edge_port}/healthz", timeout=5)
    assert edge.status_code == 200, "serve runs the edge role by default"
    assert edge.json()["region"] == "local"
    assert ready.status_code == 200, ready.text
    assert (tmp_path / "var" / "marquee.db").exists()
    assert (tmp_path / "var" / "secret_key").exists()


@pytest.mark.integration
def test_serve_on_postgresql_and_redis_migrates_and_every_dependency_is_ok(
    tmp_path: Path,
) -> None:
    with empty_database(POSTGRES_URL, "postgresql") as database_url:
        env = _env(tmp_path / "var", MARQUEE_DATABASE_URL=database_url, MARQUEE_CACHE_URL=REDIS_URL)
        with _serving(env) as base:
            ready = httpx.get(f"{base}/readyz", timeout=5).json()
    assert ready["status"] == "ok"
    assert all(check["ok"] for check in ready["checks"].values())


def test_a_bad_setting_stops_start_up_with_one_line_naming_it(tmp_path: Path) -> None:
    env = _env(tmp_path, MARQUEE_CACHE_URL="memcached://127.0.0.1")
    result = subprocess.run([*MARQUEE, "serve"], env=env, capture_output=True, text=True)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "MARQUEE_CACHE_URL" in lines[0]


def test_a_worker_on_an_unmigrated_database_says_how_to_fix_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [*MARQUEE, "worker"], env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "marquee db upgrade" in result.stderr


def test_doctor_reports_each_dependency(tmp_path: Path) -> None:
    result = subprocess.run(
        [*MARQUEE, "doctor"], env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    for name in ("ffmpeg", "database", "storage", "cache", "queue"):
        assert name in result.stderr
