"""Fixtures for the edge suite: one fake origin, and each edge kind in front of it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from marquee.delivery.tokens import KeyRing, sign
from tests.integration.delivery.edges import FakeOrigin, NginxEdge, PythonEdge

KEYS = KeyRing({"k1": "o" * 32, "k2": "n" * 32}, current="k2")
OLD_KEYS = KeyRing({"k1": "o" * 32}, current="k1")
CACHE_SIZE = 8 * 1024 * 1024
EdgeNode = PythonEdge | NginxEdge


@pytest.fixture
def origin() -> Iterator[FakeOrigin]:
    server = FakeOrigin(KEYS)
    yield server
    server.stop()


@pytest.fixture(params=["python", pytest.param("nginx", marks=pytest.mark.integration)])
def edge_factory(
    request: pytest.FixtureRequest, origin: FakeOrigin, tmp_path: Path
) -> Iterator[Callable[[int], EdgeNode]]:
    """Makes a started edge of this kind with a given cache size, stopped after the test."""
    started: list[EdgeNode] = []
    kind = PythonEdge if request.param == "python" else NginxEdge

    def make(cache_size: int = CACHE_SIZE) -> EdgeNode:
        node = kind(origin.url, tmp_path / "cache", cache_size, KEYS)
        node.start()
        started.append(node)
        return node

    yield make
    for node in started:
        node.stop()


@pytest.fixture
def edge(edge_factory: Callable[[int], EdgeNode]) -> EdgeNode:
    return edge_factory(CACHE_SIZE)


def signed(key: str, *, keys: KeyRing = KEYS, ttl_s: float = 600, session: str = "s1") -> str:
    """The token path of an object key ``assets/{id}/{rest}``."""
    asset_id, _, rest = key.removeprefix("assets/").partition("/")
    return sign(keys, f"/assets/{asset_id}/", session, int(time.time() + ttl_s)) + rest
