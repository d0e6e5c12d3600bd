"""Small in-process memos a node keeps between requests (cleared by events on this node)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    """Values computed on demand and kept ``ttl_s`` seconds, per key. Requests that miss
    together wait for one computation instead of each running the same heavy query.

    A value that has expired is computed again by the first request to find it so; the
    requests meanwhile get the expired value rather than waiting (a visible set takes about a
    second on a large catalog: every request of that second would wait for it). A value
    :meth:`clear` removed is never handed out again."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._values: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()
        self._computing = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        now = time.monotonic()
        with self._lock:
            found = self._values.get(key)
        if found is not None and found[0] > now:
            return found[1]
        if found is None:
            self._computing.acquire()  # one computation at a time: no stampede on a miss
        elif not self._computing.acquire(blocking=False):
            return found[1]  # expired, and being computed again meanwhile
        try:
            with self._lock:
                found = self._values.get(key)
            if found is not None and found[0] > time.monotonic():
                return found[1]
            value = compute()
            with self._lock:
                self._values[key] = (time.monotonic() + self.ttl_s, value)
        finally:
            self._computing.release()
        return value

    def fresh(self, key: Hashable) -> V | None:
        """The value of ``key`` if it is kept and has not expired; nothing is computed."""
        with self._lock:
            found = self._values.get(key)
        return found[1] if found is not None and found[0] > time.monotonic() else None

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
