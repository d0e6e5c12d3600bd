"""Catalog changes reach cached browse rows: at once for the first and for removals, then once
per settle window however many batches an import sends."""

from __future__ import annotations

import time

from marquee.discovery.browse import GENERATION_KEY
from marquee.discovery.freshness import CatalogGeneration
from marquee.kit.cache import MemoryCache

SETTLE_S = 0.3


def generation(cache: MemoryCache) -> int:
    return int(cache.get_many(GENERATION_KEY)[0] or 0)


def test_an_import_turns_browse_stale_once_now_and_once_when_it_settles() -> None:
    cache = MemoryCache()
    moves = CatalogGeneration(cache, SETTLE_S)

    for _ in range(40):
        moves.changed()
    assert generation(cache) == 1, "the first batch shows at once, the rest wait"

    time.sleep(SETTLE_S * 3)
    assert generation(cache) == 2, "what came during the window shows once it has passed"
    time.sleep(SETTLE_S * 2)
    assert generation(cache) == 2


def test_a_title_taken_off_the_catalog_leaves_browse_at_once() -> None:
    cache = MemoryCache()
    moves = CatalogGeneration(cache, 60)
    moves.changed()

    moves.changed(removal=True)

    assert generation(cache) == 2


def test_without_a_window_every_change_shows_at_once() -> None:
    cache = MemoryCache()
    moves = CatalogGeneration(cache, 0)
    for _ in range(3):
        moves.changed()
    assert generation(cache) == 3
