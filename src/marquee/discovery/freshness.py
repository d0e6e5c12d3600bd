"""When catalog changes reach cached browse rows.

Every browse answer is cached under the catalog generation (``browse.GENERATION_KEY``): moving
it turns every profile's cached rows stale at once. Moved for each batch of catalog events, a
bulk import (a batch every few hundred titles) would keep browse uncached for the whole import.
So additions and edits move it at most once per ``discovery_catalog_settle_s``: the first
change at once, later ones in one move at the end of the window. A title taken off the catalog
moves it at once, whatever the window: it must leave every row now.
"""

from __future__ import annotations

import threading
import time

from marquee.discovery.browse import GENERATION_KEY
from marquee.kit.cache import Cache


class CatalogGeneration:
    """This node's moves of the browse generation; thread-safe."""

    def __init__(self, cache: Cache, settle_s: float) -> None:
        self.cache = cache
        self.settle_s = settle_s
        self._lock = threading.Lock()
        self._moved_at = float("-inf")
        self._pending: threading.Timer | None = None

    def changed(self, *, removal: bool = False) -> None:
        """Titles were published, edited or (``removal``) taken off the catalog."""
        with self._lock:
            wait = self._moved_at + self.settle_s - time.monotonic()
            if removal or wait <= 0:
                self._move()
            elif self._pending is None:
                self._pending = threading.Timer(wait, self._move_pending)
                self._pending.daemon = True
                self._pending.start()

    def _move_pending(self) -> None:
        with self._lock:
            self._move()

    def _move(self) -> None:
        """Move the generation now; a pending move is then no longer needed."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self.cache.incr(GENERATION_KEY)
        self._moved_at = time.monotonic()
