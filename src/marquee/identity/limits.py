"""Cache-backed counters: fixed-window rate limits and the sign-in lock-out."""

from __future__ import annotations

from marquee.identity.errors import RateLimited
from marquee.identity.tokens import digest
from marquee.kit.cache import Cache

PREFIX = "identity:limit:"


def subject(value: str) -> str:
    """A cache-key-safe stand-in for an email or address (no personal data in key names)."""
    return digest(value.strip().lower())[:32]


class Limiter:
    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def hit(self, name: str, who: str, *, limit: int, window_s: float) -> None:
        """Count one attempt; raise :class:`RateLimited` once ``limit`` is passed in the window."""
        key = f"{PREFIX}{name}:{subject(who)}"
        if self.cache.incr(key, ttl_s=window_s) > limit:
            raise RateLimited(self.cache.ttl(key) or window_s)

    def locked_for(self, name: str, who: str) -> float | None:
        """Seconds ``who`` stays locked out of ``name``, or None when not locked."""
        key = f"{PREFIX}{name}:locked:{subject(who)}"
        if self.cache.get(key) is None:
            return None
        return self.cache.ttl(key) or 1.0

    def fail(self, name: str, who: str, *, threshold: int, lock_s: float) -> None:
        """Record one failure; the ``threshold``-th in a row locks ``who`` out for ``lock_s``."""
        counter = f"{PREFIX}{name}:failures:{subject(who)}"
        if self.cache.incr(counter, ttl_s=lock_s) >= threshold:
            self.cache.set(f"{PREFIX}{name}:locked:{subject(who)}", b"1", ttl_s=lock_s)
            self.cache.delete(counter)

    def succeed(self, name: str, who: str) -> None:
        self.cache.delete(
            f"{PREFIX}{name}:failures:{subject(who)}", f"{PREFIX}{name}:locked:{subject(who)}"
        )
