"""The off-peak window, the bandwidth pacer and a region's territories."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marquee.delivery.popularity import region_territories
from marquee.delivery.warming import Pacer, in_window


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, 1, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("window", "when", "inside"),
    [
        ("01:00-05:00", at(1), True),
        ("01:00-05:00", at(4, 59), True),
        ("01:00-05:00", at(5), False),
        ("01:00-05:00", at(0, 59), False),
        ("22:00-04:00", at(23), True),
        ("22:00-04:00", at(3), True),
        ("22:00-04:00", at(12), False),
    ],
)
def test_the_window_is_daily_utc_and_may_pass_midnight(
    window: str, when: datetime, inside: bool
) -> None:
    assert in_window(window, when) is inside


def test_the_pacer_holds_the_rate_and_banks_at_most_its_burst() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer(1000, burst_s=1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(10):
        pacer.spend(500)
    assert now[0] == pytest.approx(5.0)
    now[0] += 3  # a stall: only one second of it is credited
    for _ in range(6):
        pacer.spend(500)
    assert now[0] == pytest.approx(10.0)


def test_a_regions_territories_are_the_countries_it_is_nearest_to() -> None:
    regions = {"FR": ["eu", "us"], "DE": ["eu"], "US": ["us", "eu"], "*": ["us", "eu"]}
    assert region_territories(regions, "eu") == ["DE", "FR"]
    assert region_territories(regions, "us") == ["US", None]
    assert region_territories(regions, "ap") == []
