"""The edge's disk cache: objects as files, bounded in bytes, evicted with S3-FIFO.

Why S3-FIFO rather than LRU (docs/delivery.md): a viewer watching a long-tail title once streams
hundreds of segments that are never asked for again. Under LRU that scan flushes the popular
titles; S3-FIFO (Yang et al., SOSP 2023) first puts a new object in a *small* FIFO (10% of the
bytes) and promotes it to the *main* FIFO only if it is read again before it leaves, so
one-hit wonders leave quickly. Objects evicted from the small queue are remembered in a
*ghost* list of keys, and come straight into main when asked for again. A hit costs a dict
lookup and a counter increment, with no list reordering.

Files live at ``{cache_dir}/data/{object key}``; a fill writes ``.part-*`` first and renames it
into place, so a crash leaves only partial files that :meth:`DiskCache.load` deletes. The index
is rebuilt from the directory at start (access counts are not kept across restarts).
"""

from __future__ import annotations

import os
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

TEMP_PREFIX = ".part-"
MAX_FREQ = 3
SMALL_FRACTION = 0.1
MIN_GHOSTS = 1024


@dataclass
class _Entry:
    size: int
    freq: int = 0


class DiskCache:
    """Not thread-safe: the edge uses it from its one event loop."""

    def __init__(self, root: Path, capacity: int) -> None:
        self.data = root / "data"
        self.capacity = capacity
        self.bytes = 0
        self._small: OrderedDict[str, _Entry] = OrderedDict()
        self._main: OrderedDict[str, _Entry] = OrderedDict()
        self._ghost: OrderedDict[str, None] = OrderedDict()
        self._small_bytes = 0

    def __len__(self) -> int:
        return len(self._small) + len(self._main)

    def load(self) -> None:
        """Index the files already on disk (oldest first) and delete partial fills."""
        self.data.mkdir(parents=True, exist_ok=True)
        found: list[tuple[float, str, int]] = []
        for directory, _, names in os.walk(self.data):
            for name in names:
                path = os.path.join(directory, name)
                if name.startswith(TEMP_PREFIX):
                    os.unlink(path)
                    continue
                stat = os.stat(path)
                found.append((stat.st_ctime, os.path.relpath(path, self.data), stat.st_size))
        for _, key, size in sorted(found):
            self._main[key] = _Entry(size)
            self.bytes += size
        self._evict()

    def path(self, key: str) -> Path:
        return self.data / key

    def lookup(self, key: str) -> Path | None:
        """The file holding ``key`` if cached, counting the access."""
        entry = self._small.get(key) or self._main.get(key)
        if entry is None:
            return None
        entry.freq = min(entry.freq + 1, MAX_FREQ)
        return self.data / key

    def __contains__(self, key: str) -> bool:
        return key in self._small or key in self._main

    def temp_file(self) -> tuple[Path, BinaryIO]:
        """A new partial file beside the objects (one filesystem, so the rename is atomic)."""
        self.data.mkdir(parents=True, exist_ok=True)
        path = self.data / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
        return path, open(path, "xb")

    def admit(self, key: str, temp: Path) -> Path:
        """Move a complete fill into place under ``key`` and evict down to the capacity."""
        target = self.data / key
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, target)
        self._forget(key)
        entry = _Entry(target.stat().st_size)
        if self._ghost.pop(key, None) is None:
            self._small[key] = entry
            self._small_bytes += entry.size
        else:
            self._main[key] = entry
        self.bytes += entry.size
        self._evict()
        return target

    def _forget(self, key: str) -> None:
        entry = self._small.pop(key, None)
        if entry is not None:
            self._small_bytes -= entry.size
        entry = entry or self._main.pop(key, None)
        if entry is not None:
            self.bytes -= entry.size

    def _evict(self) -> None:
        while self.bytes > self.capacity and len(self):
            if self._main and self._small_bytes <= self.capacity * SMALL_FRACTION:
                self._evict_main()
            elif self._small:
                self._evict_small()
            else:
                self._evict_main()

    def _evict_small(self) -> None:
        key, entry = self._small.popitem(last=False)
        self._small_bytes -= entry.size
        if entry.freq > 0:
            entry.freq = 0
            self._main[key] = entry
            return
        self._drop(key, entry)
        self._ghost[key] = None
        while len(self._ghost) > max(MIN_GHOSTS, len(self)):
            self._ghost.popitem(last=False)

    def _evict_main(self) -> None:
        key, entry = self._main.popitem(last=False)
        if entry.freq > 0:
            entry.freq -= 1
            self._main[key] = entry
            return
        self._drop(key, entry)

    def _drop(self, key: str, entry: _Entry) -> None:
        """Unlinking is safe while a response is being sent: its open descriptor keeps the data."""
        self.bytes -= entry.size
        (self.data / key).unlink(missing_ok=True)
