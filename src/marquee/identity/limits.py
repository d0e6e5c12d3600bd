"""Fixed-window rate limits (cache counters) and the lock-outs (database rows).

A rate-limit window that a flushed cache forgets only starts again; a lock-out it forgot would
hand a password guesser a fresh set of tries, so lock-outs live in the database, each change in
a short transaction of its own (the failed attempt's request rolls back, its count must not).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marquee.identity.errors import RateLimited
from marquee.identity.models import Lockout
from marquee.identity.tokens import digest
from marquee.kit.cache import Cache
from marquee.kit.db import utcnow

PREFIX = "identity:limit:"


def subject(value: str) -> str:
    """A cache-key-safe stand-in for an email or address (no personal data in key names)."""
    return digest(value.strip().lower())[:32]


class Limiter:
    def __init__(self, cache: Cache, sessions: Callable[[], Session]) -> None:
        self.cache = cache
        self.sessions = sessions

    def hit(self, name: str, who: str, *, limit: int, window_s: float) -> None:
        """Count one attempt; raise :class:`RateLimited` once ``limit`` is passed in the window."""
        key = f"{PREFIX}{name}:{subject(who)}"
        if self.cache.incr(key, ttl_s=window_s) > limit:
            raise RateLimited(self.cache.ttl(key) or window_s)

    def locked_for(self, name: str, who: str) -> float | None:
        """Seconds ``who`` stays locked out of ``name``, or None when not locked."""
        with self.sessions() as session:
            row = session.get(Lockout, _key(name, who))
        if row is None or row.locked_until is None:
            return None
        left = (row.locked_until - utcnow()).total_seconds()
        return left if left > 0 else None

    def fail(self, name: str, who: str, *, threshold: int, lock_s: float) -> None:
        """Record one failure; the ``threshold``-th in a row (within ``lock_s`` of the first)
        locks ``who`` out for ``lock_s``."""
        try:
            self._count_failure(_key(name, who), threshold, lock_s)
        except IntegrityError:  # another node inserted the first failure at the same instant
            self._count_failure(_key(name, who), threshold, lock_s)

    def succeed(self, name: str, who: str) -> None:
        with self.sessions() as session, session.begin():
            row = session.get(Lockout, _key(name, who))
            if row is not None:
                session.delete(row)

    def _count_failure(self, key: str, threshold: int, lock_s: float) -> None:
        now, lasting = utcnow(), timedelta(seconds=lock_s)
        with self.sessions() as session, session.begin():
            row = session.get(Lockout, key, with_for_update=True)
            if row is None:
                row = Lockout(key=key, failures=0, counted_until=now + lasting)
                session.add(row)
            elif row.counted_until <= now:
                row.failures, row.counted_until = 0, now + lasting
            row.failures += 1
            if row.failures >= threshold:
                row.failures, row.locked_until = 0, now + lasting


def _key(name: str, who: str) -> str:
    return f"{name}:{subject(who)}"
