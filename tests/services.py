"""Which real services the integration tests may use, and what to do when one is missing.

With ``MARQUEE_TEST_SERVICES=required`` (what ``.ci/run`` sets) a missing service fails the
test run; otherwise the tests that need it are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from typing import NoReturn

import pytest

SERVICES = {
    "postgresql": ("127.0.0.1", 5432),
    "mariadb": ("127.0.0.1", 3306),
    "redis": ("127.0.0.1", 6379),
    "rabbitmq": ("127.0.0.1", 5672),
    "nats": ("127.0.0.1", 4222),
}
POSTGRES_URL = os.environ.get(
    "MARQUEE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MARIADB_URL = os.environ.get("MARQUEE_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
REDIS_URL = os.environ.get("MARQUEE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("MARQUEE_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
NATS_URL = os.environ.get("MARQUEE_TEST_NATS_URL", "nats://127.0.0.1:4222")


def services_required() -> bool:
    return os.environ.get("MARQUEE_TEST_SERVICES", "") == "required"


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need(service: str) -> None:
    """Skip (or, when services are required, fail) unless ``service`` answers on its port."""
    host, port = SERVICES[service]
    if reachable(host, port):
        return
    missing(f"{service} is not reachable at {host}:{port}")


def need_tool(name: str, *places: str, install: str) -> str:
    """The tool's path: the first of ``places`` that exists, else ``name`` on PATH; skip (or,
    when services are required, fail) where it is not installed, saying how to ``install`` it."""
    found = next((p for p in places if Path(p).is_file()), None) or shutil.which(name)
    if not found:
        missing(f"{name} is not installed ({install})")
    return found


def missing(reason: str) -> NoReturn:
    """Skip the test for ``reason``, or fail it when services are required."""
    if services_required():
        pytest.fail(f"{reason} (MARQUEE_TEST_SERVICES=required)", pytrace=False)
    pytest.skip(reason)
