from __future__ import annotations

import time

import pytest

from marquee.delivery.steering import EdgeSpec, Steering, parse_edges

EDGES = parse_edges(
    [
        {"name": "eu-1", "url": "http://eu1", "region": "eu", "capacity": 2},
        {"name": "eu-2", "url": "http://eu2", "region": "eu"},
        {"name": "us-1", "url": "http://us1", "region": "us"},
        {"name": "ap-1", "url": "http://ap1", "region": "ap", "state": "drain"},
    ]
)
REGIONS = {"FR": ["eu", "us"], "*": ["us", "eu"]}


class Probe:
    def __init__(self) -> None:
        self.dead: set[str] = set()
        self.load = {"eu-1": 4.0, "eu-2": 1.0}

    def __call__(self, edge: EdgeSpec) -> float:
        if edge.name in self.dead:
            raise ConnectionError("refused")
        return self.load.get(edge.name, 0.0)


def names(steering: Steering, country: str) -> list[str]:
    return [edge.name for edge in steering.order(country)]


def test_nearest_region_first_least_loaded_first_and_draining_edges_left_out() -> None:
    steering = Steering(EDGES, REGIONS, Probe())
    steering.check()
    assert names(steering, "FR") == ["eu-2", "eu-1", "us-1"]  # eu-1: 4 / capacity 2 > 1
    assert names(steering, "BR") == ["us-1", "eu-2", "eu-1"]


def test_a_dead_edge_leaves_the_list_within_seconds_and_comes_back() -> None:
    probe = Probe()
    steering = Steering(EDGES, REGIONS, probe, interval_s=0.05, failures=2)
    steering.start()
    try:
        probe.dead.add("eu-2")
        deadline = time.monotonic() + 3
        while "eu-2" in names(steering, "FR") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert names(steering, "FR") == ["eu-1", "us-1"]
        probe.dead.clear()
        time.sleep(0.3)
        assert "eu-2" in names(steering, "FR")
    finally:
        steering.stop()


def test_bad_edge_settings_are_named() -> None:
    with pytest.raises(ValueError, match="MARQUEE_DELIVERY_EDGES"):
        parse_edges([{"name": "x", "url": "http://x"}])
