"""Fixtures for the edge suite: one fake origin, and each edge kind in front of it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from marquee.delivery.edge import EdgeConfig, EdgeThread
from marquee.delivery.tokens import KeyRing, sign
from tests.integration.delivery.edges import (
    LOOPBACK,
    FakeOrigin,
    NginxEdge,
    PythonEdge,
    free_port,
)
from tests.integration.playback.conftest import World, _world

KEYS = KeyRing({"k1": "o" * 32, "k2": "n" * 32}, current="k2")
OLD_KEYS = KeyRing({"k1": "o" * 32}, current="k1")
CACHE_SIZE = 8 * 1024 * 1024
EdgeNode = PythonEdge | NginxEdge
HEALTH_INTERVAL_S = 0.3


@pytest.fixture
def origin() -> Iterator[FakeOrigin]:
    server = FakeOrigin(KEYS)
    yield server
    server.stop()


@pytest.fixture(params=["python", pytest.param("nginx", marks=pytest.mark.integration)])
def edge_factory(
    request: pytest.FixtureRequest, origin: FakeOrigin, tmp_path: Path
) -> Iterator[Callable[..., EdgeNode]]:
    """Makes a started edge of this kind with a given cache size (and who may read its
    metrics), stopped after the test."""
    started: list[EdgeNode] = []
    kind = PythonEdge if request.param == "python" else NginxEdge

    def make(
        cache_size: int = CACHE_SIZE, metrics_networks: tuple[str, ...] = LOOPBACK
    ) -> EdgeNode:
        node = kind(origin.url, tmp_path / "cache", cache_size, KEYS, metrics_networks)
        node.start()
        started.append(node)
        return node

    yield make
    for node in started:
        node.stop()


@pytest.fixture
def edge(edge_factory: Callable[..., EdgeNode]) -> EdgeNode:
    return edge_factory(CACHE_SIZE)


def signed(key: str, *, keys: KeyRing = KEYS, ttl_s: float = 600, session: str = "s1") -> str:
    """The token path of an object key ``assets/{id}/[folders/]{name}``: its folder signed."""
    folder, _, name = key.rpartition("/")
    return sign(keys, f"/{folder}/", session, int(time.time() + ttl_s)) + name


@pytest.fixture(scope="package")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The playback suite's platform (sqlite) serving as origin: titles with 1 s segments;
    nothing warms its edges but the tests themselves."""
    yield from _world(
        tmp_path_factory.mktemp("failover"),
        tmp_path_factory,
        {"MARQUEE_MEDIA_SEGMENT_S": "1", "MARQUEE_DELIVERY_WARM_ENABLED": "false"},
    )


@dataclass
class Edges:
    threads: dict[str, EdgeThread] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)

    def stop(self, name: str) -> None:
        self.threads.pop(name).stop()


@pytest.fixture
def edges(world: World, tmp_path: Path) -> Iterator[Edges]:
    """Edge ``a`` in ``eu`` and ``b`` in ``us`` in front of the origin; France prefers ``eu``."""
    settings = world.platform.settings
    origin = f"{settings.public_url}/api/v1/delivery"
    found = Edges()
    for name, region in (("a", "eu"), ("b", "us")):
        port = free_port()
        config = EdgeConfig(origin, region, tmp_path / name, 64 << 20, "127.0.0.1", port)
        found.threads[name] = EdgeThread(config, KeyRing.from_settings(settings))
        found.threads[name].start()
        found.urls[name] = f"http://127.0.0.1:{port}"
    fields = (
        "delivery_edges",
        "delivery_country_regions",
        "delivery_health_interval_s",
        "delivery_health_timeout_s",
    )
    before = {name: getattr(settings, name) for name in fields}
    # Steering reads these per call (one health checker per distinct configuration).
    settings.delivery_edges = [
        {"name": f"edge-{name}", "url": url, "region": region}
        for (name, url), region in zip(found.urls.items(), ("eu", "us"), strict=True)
    ]
    settings.delivery_country_regions = {"FR": ["eu", "us"], "*": ["us", "eu"]}
    settings.delivery_health_interval_s = HEALTH_INTERVAL_S
    settings.delivery_health_timeout_s = 0.5
    yield found
    for thread in found.threads.values():
        thread.stop()
    for name, value in before.items():
        setattr(settings, name, value)
