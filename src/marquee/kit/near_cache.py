"""Copies of hot Redis values in this process, kept coherent by Redis's invalidation messages.

Every request reads its sign-in session's copy, and browse reads the profile's copy and three
version keys besides: with Redis as the cache each read was a round trip that held the event
loop up, and those round trips cost a cached browse answer more than serving it. The values
are read on every request and written seldom, so each API node keeps copies of them.

Coherence is Redis's server-assisted client-side caching in broadcast mode (``CLIENT TRACKING
ON BCAST PREFIX ...``, Redis 6 and later; redis-py's own ``cache_config`` wants Redis 7.4): a
connection of its own receives an invalidation message for every change of a key under the
declared prefixes, by any node, expiry and eviction included, and a flush of the database as
one message. Before any copy is used, the messages that arrived are applied, with no round
trip (a non-blocking read of that socket). Redis sends the message before its next wait for
work, so by the time a writer (a sign-out on another node) has its reply the message is on
the way to every node: the next request a node reads after that sees the session gone, as it
did when it asked Redis each time.

A copy is only kept when no invalidation of its key arrived since the read began (a change
that came between the read and the keeping would otherwise never be seen); copies live no
longer than their key's TTL in Redis. Writes through this process drop their copies at once.
When the tracking connection fails every copy is dropped and reads go to Redis until it is
back (retried at most once a second); missed messages cannot leave a copy stale. A PING
every second, not waited for, finds a connection cut off without a reset: left unanswered for
a second, it counts as failed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import redis

if TYPE_CHECKING:
    from marquee.kit.cache import MemoryCache

log = logging.getLogger(__name__)

#: Keys whose last invalidation is remembered (for reads still in flight); older ones count as
#: invalidated at the newest forgotten one's time.
REMEMBERED_INVALIDATIONS = 10_000
RETRY_AFTER_S = 1.0
PING_EVERY_S = 1.0
#: A copy is its value after PRESENT, or ABSENT: keys not set (a profile never played) are
#: read on every request as much as the others, and creating one is a change like any other.
PRESENT = b"+"
ABSENT = b""


class NearCopies:
    """Copies, in ``copies``, of the keys under the tracked prefixes (full Redis key names)
    of the Redis server at ``url``."""

    def __init__(self, url: str, *, copies: MemoryCache, **connection: Any) -> None:
        self._pool = redis.ConnectionPool.from_url(url, protocol=3, **connection)
        # Any: the type stubs predate redis-py 8's push handling and ``is_connected``
        self._connection: Any = self._pool.make_connection()
        self._pid = os.getpid()
        self._copies = copies
        self._lock = threading.RLock()
        self._prefixes: tuple[str, ...] = ()
        self._tracked: tuple[str, ...] = ()
        # invalidations applied so far; per key, the count at its last one
        self._seen = 0
        self._invalidated: OrderedDict[str, int] = OrderedDict()
        self._forgotten = 0
        self._retry_at = 0.0
        self._pinged_at = 0.0
        self._answered = True

    def track(self, prefixes: Sequence[str]) -> None:
        """Keep copies of keys under ``prefixes`` too (a prefix may only be added)."""
        with self._lock:
            self._prefixes = tuple(prefixes)

    def covers(self, name: str) -> bool:
        return name.startswith(self._prefixes)

    def recall(self, names: Iterable[str]) -> tuple[dict[str, bytes | None], int | None]:
        """The copies held of ``names``, after applying every invalidation that arrived, and
        the mark to give :meth:`keep` for values read from now on (None: keep nothing, the
        tracking connection is down)."""
        with self._lock:
            if not self._live():
                return {}, None
            found = {name: self._copies.get(name) for name in names if self.covers(name)}
            held = {
                name: None if copy == ABSENT else copy[1:]
                for name, copy in found.items()
                if copy is not None
            }
            return held, self._seen

    def keep(self, name: str, value: bytes | None, ttl_s: float | None, mark: int) -> None:
        """Keep ``value`` of ``name`` (None: the key does not exist), read after
        :meth:`recall` returned ``mark``, unless the key changed since."""
        with self._lock:
            if self._invalidated.get(name, self._forgotten) <= mark:
                copy = ABSENT if value is None else PRESENT + value
                self._copies.set(name, copy, ttl_s=ttl_s)

    def drop(self, names: Iterable[str]) -> None:
        """Forget the copies of ``names`` (written or deleted by this process)."""
        with self._lock:
            self._invalidate(list(names))

    def drop_all(self) -> None:
        """Forget every copy (keys deleted by prefix: rare, so not worth telling apart)."""
        with self._lock:
            self._invalidate(None)

    def close(self) -> None:
        with self._lock:
            self._connection.disconnect()
            self._invalidate(None)

    def _live(self) -> bool:
        """Whether the tracking connection is up with every prefix tracked and its messages
        applied; connects (at most once per :data:`RETRY_AFTER_S`) when it is not."""
        if self._pid != os.getpid():
            # a forked child: the parent's socket and messages are not this process's
            self._connection = self._pool.make_connection()
            self._pid = os.getpid()
            self._tracked = ()
        try:
            if self._tracked != self._prefixes or not self._connection.is_connected:
                if time.monotonic() < self._retry_at:
                    return False
                self._start()
            while self._connection.can_read(timeout=0):
                if self._connection.read_response(push_request=True) == b"PONG":
                    self._answered = True
            self._check_answering()
        except (redis.RedisError, OSError) as error:
            if not self._retry_at:
                log.warning("hot keys read from Redis each time until tracking is back: %s", error)
            self._connection.disconnect()
            self._invalidate(None)
            self._tracked = ()
            self._retry_at = time.monotonic() + RETRY_AFTER_S
            return False
        self._retry_at = 0.0
        return True

    def _check_answering(self) -> None:
        """PING the tracking connection once a second, without waiting: a connection that
        left the last one unanswered for a second is given up. Without it a node cut off from
        Redis (no reset, no error) would serve its copies while messages no longer came."""
        now = time.monotonic()
        if now - self._pinged_at < PING_EVERY_S:
            return
        if not self._answered:
            raise redis.ConnectionError("the tracking connection left a PING unanswered")
        self._connection.send_command("PING")
        self._pinged_at, self._answered = now, False

    def _start(self) -> None:
        """Connect again and track every prefix; copies held before are dropped (their
        invalidations may have been missed). Prefixes are added at imports, so seldom."""
        self._invalidate(None)
        self._connection.disconnect()
        self._connection.connect()
        self._connection._get_parser().set_invalidation_push_handler(self._on_message)
        options = [word for prefix in self._prefixes for word in ("PREFIX", prefix)]
        self._connection.send_command("CLIENT", "TRACKING", "ON", "BCAST", *options)
        self._connection.read_response()
        self._tracked = self._prefixes
        self._pinged_at, self._answered = time.monotonic(), True

    def _on_message(self, message: list[Any]) -> None:
        """An ``invalidate`` push: its keys, or None when the database was flushed."""
        keys = message[1]
        self._invalidate(None if keys is None else [key.decode() for key in keys])

    def _invalidate(self, names: list[str] | None) -> None:
        """Count one invalidation of ``names`` (None: of every key); the caller holds the
        lock."""
        self._seen += 1
        if names is None:
            self._copies.delete_prefix("")
            self._invalidated.clear()
            self._forgotten = self._seen
            return
        self._copies.delete(*names)
        for name in names:
            self._invalidated[name] = self._seen
            self._invalidated.move_to_end(name)
        while len(self._invalidated) > REMEMBERED_INVALIDATIONS:
            self._forgotten = self._invalidated.popitem(last=False)[1]
