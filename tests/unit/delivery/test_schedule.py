"""Which night a tick belongs to, and which regions are warmed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from marquee.delivery.schedule import warm_regions, window_day
from marquee.settings import load_settings


@pytest.mark.parametrize(
    ("window", "hour", "day"),
    [
        ("01:00-05:00", 1, 24),
        ("01:00-05:00", 4, 24),
        ("22:00-04:00", 23, 24),
        ("22:00-04:00", 3, 23),
        ("00:00-23:59", 0, 24),
    ],
)
def test_a_window_past_midnight_belongs_to_the_day_it_opened(
    window: str, hour: int, day: int
) -> None:
    now = datetime(2026, 11, 24, hour, 30, tzinfo=UTC)
    assert window_day(window, now) == date(2026, 11, day)


def test_regions_are_those_of_the_edges_once_each(tmp_path: Path) -> None:
    edges: list[dict[str, str | int]] = [
        {"name": "a", "url": "http://a.test", "region": "us"},
        {"name": "b", "url": "http://b.test", "region": "eu", "state": "drain"},
        {"name": "c", "url": "http://c.test", "region": "us"},
    ]
    assert warm_regions(load_settings(data_dir=tmp_path, delivery_edges=edges)) == ["eu", "us"]
    assert warm_regions(load_settings(data_dir=tmp_path)) == []
