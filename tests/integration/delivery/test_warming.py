"""Cache warming chooses its titles: plays in the region's territories, then new releases."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from marquee.delivery import popularity
from tests.integration.delivery.conftest import Edges
from tests.integration.playback.conftest import World

pytestmark = pytest.mark.slow


def window_around(now: datetime, *, inside: bool) -> str:
    """A daily window holding ``now`` (or one 6 hours away from it)."""
    start = now - timedelta(hours=1) + timedelta(hours=0 if inside else 6)
    return f"{start:%H:%M}-{start + timedelta(hours=2):%H:%M}"


@pytest.fixture
def japan_on_a(world: World, edges: Edges) -> Iterator[None]:
    """Japan is the one territory of region ``eu`` (edge A); nobody else plays there."""
    settings = world.platform.settings
    saved = settings.model_dump(include={"delivery_warm_window", "delivery_warm_rate_bytes_s"})
    settings.delivery_country_regions = {"JP": ["eu", "us"], "*": ["us", "eu"]}
    yield
    for name, value in saved.items():
        setattr(settings, name, value)


def test_the_regions_most_played_title_is_pushed_first_within_budget_and_window(
    world: World, edges: Edges, japan_on_a: None
) -> None:
    settings, storage, db = world.platform.settings, world.platform.storage, world.platform.db
    for title_id in (world.title_id, world.title_id, world.other_title_id):
        assert world.viewer("standard", country="JP").play(title_id).status_code == 201
    now = datetime.now(UTC)
    with db.sessions() as session:
        chosen = popularity.choose_assets(
            session, settings=settings, plays=world.platform.play_counts, region="eu", now=now
        )
    # two played titles by plays, then the series (a new release nobody played): episode 1
    assert chosen[:2] == [world.asset_id, world.other_asset_id]
    assert len(chosen) == 3

    settings.delivery_warm_window = window_around(now, inside=False)
    plays = world.platform.play_counts
    assert popularity.warm_popular(settings, storage, db, "eu", plays=plays) == []
    assert httpx.get(f"{edges.urls['a']}/healthz").json()["cache_bytes"] == 0

    popular = sum(info.size for info in storage.list(f"assets/{world.asset_id}/"))
    settings.delivery_warm_window = window_around(now, inside=True)
    settings.delivery_warm_rate_bytes_s = popular * 2  # half a second's push at least
    started = time.monotonic()
    [report] = popularity.warm_popular(
        settings, storage, db, "eu", plays=plays, budget_bytes=popular
    )
    elapsed = time.monotonic() - started
    assert report.edge == "edge-a"
    assert report.assets == [world.asset_id]
    assert report.bytes == popular
    assert report.skipped > 0  # the other titles' objects did not fit
    assert (report.hit_ratio_before, report.hit_ratio_after) == (0.0, 1.0)
    assert elapsed >= 0.45
    assert httpx.get(f"{edges.urls['a']}/healthz").json()["cache_bytes"] == popular
    assert httpx.get(f"{edges.urls['b']}/healthz").json()["cache_bytes"] == 0
