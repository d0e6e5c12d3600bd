"""Cache: an in-process TTL cache (embedded default) or Redis. Values are bytes or str."""

from __future__ import annotations

import math
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from sqlalchemy.orm import Session

from marquee.kit.db import after_commit
from marquee.kit.near_cache import NearCopies

DEFAULT_MAX_KEYS = 100_000
DELETE_BATCH = 500
GLOB_SPECIAL = "\\*?[]"

SPREAD = 0.1


def spread(ttl_s: float) -> float:
    """``ttl_s`` give or take 10%: entries made together (every profile's rows after a
    restart) then expire over a while instead of all at once, which would send every request
    of that moment to the database."""
    return ttl_s * random.uniform(1 - SPREAD, 1 + SPREAD)  # noqa: S311 (not a secret)


# A value and its time.monotonic() deadline (None: no expiry).
_Entry = tuple[bytes, float | None]


class Cache(Protocol):
    #: Values live in this process: reading one costs no I/O, so keeping a copy gains nothing.
    local: bool

    def get(self, key: str) -> bytes | None: ...

    def get_many(self, *keys: str) -> list[bytes | None]:
        """The values of ``keys``, in order, in one round trip."""

    def set(self, key: str, value: bytes | str, *, ttl_s: float | None = None) -> None: ...

    def add(self, key: str, value: bytes | str, *, ttl_s: float | None = None) -> bool:
        """Set only if absent; True when this call set it (a lock or a once-only marker)."""

    def incr(self, key: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        """Add to a counter (created at 0); ``ttl_s`` applies when the counter is created."""

    def ttl(self, key: str) -> float | None:
        """Seconds left, None when the key has no expiry or does not exist."""

    def delete(self, *keys: str) -> None: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def ping(self) -> None:
        """Raise if the cache cannot be reached."""

    def close(self) -> None: ...


#: Key prefixes the domains declared hot (:func:`keep_near`).
NEAR_PREFIXES: list[str] = []


def keep_near(prefix: str) -> None:
    """Declare the keys under ``prefix`` read on hot paths (every request, every home screen)
    and written seldom: a shared cache serves them from copies in this process, kept coherent
    by the server (:mod:`marquee.kit.near_cache`). Domains declare theirs at import."""
    if prefix not in NEAR_PREFIXES:
        NEAR_PREFIXES.append(prefix)


def hold_until_commit(cache: Cache, session: Session, key: str, *, ttl_s: float) -> None:
    """Take the lock ``key`` (waiting up to ``ttl_s`` for whoever holds it) until the session's
    transaction commits, so that two requests checking a limit (streams, download devices)
    cannot both take its last place. Delete ``key`` to release it at once (a refusal); after
    any other rollback it lapses within ``ttl_s``."""
    deadline = time.monotonic() + ttl_s
    while not cache.add(key, "1", ttl_s=ttl_s) and time.monotonic() < deadline:
        time.sleep(0.02)
    after_commit(session, lambda: cache.delete(key))


def _encode(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _check_ttl(ttl_s: float | None) -> None:
    if ttl_s is not None and ttl_s <= 0:
        raise ValueError(f"ttl_s must be positive, got {ttl_s}")


def _as_int(key: str, value: bytes) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"cache key {key!r} does not hold an integer") from None


class MemoryCache:
    """A thread-safe TTL cache in this process, bounded to ``max_keys`` by LRU eviction.

    Expired entries are dropped when touched or when eviction reaches them; the bound keeps
    memory in check without a sweeper thread.
    """

    local = True

    def __init__(self, max_keys: int = DEFAULT_MAX_KEYS) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._max_keys = max_keys
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._live(key)
        return None if entry is None else entry[0]

    def get_many(self, *keys: str) -> list[bytes | None]:
        with self._lock:
            entries = [self._live(key) for key in keys]
        return [None if entry is None else entry[0] for entry in entries]

    def set(self, key: str, value: bytes | str, *, ttl_s: float | None = None) -> None:
        deadline = _deadline(ttl_s)
        with self._lock:
            self._store(key, (_encode(value), deadline))

    def add(self, key: str, value: bytes | str, *, ttl_s: float | None = None) -> bool:
        deadline = _deadline(ttl_s)
        with self._lock:
            if self._live(key) is not None:
                return False
            self._store(key, (_encode(value), deadline))
            return True

    def incr(self, key: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        deadline = _deadline(ttl_s)
        with self._lock:
            value, deadline = self._live(key) or (b"0", deadline)
            total = _as_int(key, value) + amount
            self._store(key, (str(total).encode(), deadline))
            return total

    def ttl(self, key: str) -> float | None:
        with self._lock:
            entry = self._live(key)
        if entry is None or entry[1] is None:
            return None
        return max(0.0, entry[1] - time.monotonic())

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._entries.pop(key, None)

    def delete_prefix(self, prefix: str) -> None:
        with self._lock:
            for key in [key for key in self._entries if key.startswith(prefix)]:
                del self._entries[key]

    def ping(self) -> None:
        """Always reachable: it lives in this process."""

    def close(self) -> None:
        with self._lock:
            self._entries.clear()

    def _live(self, key: str) -> _Entry | None:
        """The unexpired entry, marked most recently used; the caller holds the lock."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] is not None and entry[1] <= time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def _store(self, key: str, entry: _Entry) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_keys:
            self._entries.popitem(last=False)


def _deadline(ttl_s: float | None) -> float | None:
    _check_ttl(ttl_s)
    return None if ttl_s is None else time.monotonic() + ttl_s


def _milliseconds(ttl_s: float | None) -> int | None:
    _check_ttl(ttl_s)
    return None if ttl_s is None else max(1, math.ceil(ttl_s * 1000))


@contextmanager
def _integer_errors(key: str) -> Iterator[None]:
    """Redis's "not an integer" reply becomes the ValueError MemoryCache raises."""
    try:
        yield
    except redis.ResponseError as error:
        if "not an integer" not in str(error):
            raise
        raise ValueError(f"cache key {key!r} does not hold an integer") from error


class RedisCache:
    """The cache on a Redis server, every key stored under ``prefix`` (isolates tenants, tests).

    Timeouts are in milliseconds on the server, so sub-second TTLs behave as in MemoryCache.
    Keys under the prefixes declared with :func:`keep_near` are read from copies in this
    process while Redis's invalidation messages say they have not changed.
    """

    local = False

    def __init__(self, url: str, *, prefix: str = "") -> None:
        self.prefix = prefix
        self._client: redis.Redis[bytes] = redis.Redis.from_url(
            url, socket_connect_timeout=5, socket_timeout=5, health_check_interval=30
        )
        self._near = NearCopies(
            url, copies=MemoryCache(), socket_connect_timeout=5, socket_timeout=5
        )
        self._near_declared = 0

    def get(self, key: str) -> bytes | None:
        name = self.prefix + key
        if not self._near_covers(name):
            return self._client.get(name)
        return self._read_near([name])[0]

    def get_many(self, *keys: str) -> list[bytes | None]:
        names = [self.prefix + key for key in keys]
        if any(self._near_covers(name) for name in names):
            return self._read_near(names)
        return list(self._client.mget(names)) if names else []

    def set(self, key: str, value: bytes | str, *, ttl_s: float | None = None) -> None:
        self._client.set(self.prefix + key, _encode(value), px=_milliseconds(ttl_s))
        self._forget([self.prefix + key])

    def add(self, key: str, value: bytes | str, *, ttl_s: float | None = None) -> bool:
        px = _milliseconds(ttl_s)
        added = bool(self._client.set(self.prefix + key, _encode(value), px=px, nx=True))
        self._forget([self.prefix + key])
        return added

    def incr(self, key: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        """SET NX (with the expiry) then INCRBY in one MULTI: the expiry is set only by the
        call that creates the counter, and no reader sees a counter without it."""
        px = _milliseconds(ttl_s)
        name = self.prefix + key
        with _integer_errors(key):
            if px is None:
                total = int(self._client.incrby(name, amount))
            else:
                pipe = self._client.pipeline(transaction=True)
                pipe.set(name, 0, px=px, nx=True)
                pipe.incrby(name, amount)
                total = int(pipe.execute()[1])
        self._forget([name])
        return total

    def ttl(self, key: str) -> float | None:
        milliseconds = int(self._client.pttl(self.prefix + key))
        return None if milliseconds < 0 else milliseconds / 1000

    def delete(self, *keys: str) -> None:
        if keys:
            names = [self.prefix + key for key in keys]
            self._client.unlink(*names)
            self._forget(names)

    def delete_prefix(self, prefix: str) -> None:
        """SCAN, not KEYS, so a large keyspace never blocks the server; UNLINK in batches."""
        pattern = _glob_escape(self.prefix + prefix) + "*"
        batch: list[bytes] = []
        for name in self._client.scan_iter(match=pattern, count=1000):
            batch.append(name)
            if len(batch) >= DELETE_BATCH:
                self._client.unlink(*batch)
                batch.clear()
        if batch:
            self._client.unlink(*batch)
        self._near.drop_all()

    def ping(self) -> None:
        self._client.ping()

    def close(self) -> None:
        self._near.close()
        self._client.close()

    def _near_covers(self, name: str) -> bool:
        """Whether ``name`` is under a prefix declared hot (tracked from the first such read)."""
        if self._near_declared != len(NEAR_PREFIXES):
            self._near_declared = len(NEAR_PREFIXES)
            self._near.track([self.prefix + prefix for prefix in NEAR_PREFIXES])
        return self._near.covers(name)

    def _forget(self, names: list[str]) -> None:
        """Drop this node's copies of ``names`` (hot keys only: locks and counters are
        written far more often and never copied)."""
        hot = [name for name in names if self._near_covers(name)]
        if hot:
            self._near.drop(hot)

    def _read_near(self, names: list[str]) -> list[bytes | None]:
        """The values of ``names``: this process's copies, the rest in one round trip."""
        found, mark = self._near.recall(names)
        missing = [name for name in names if name not in found]
        if missing:
            found.update(self._fetch(missing, mark))
        return [found.get(name) for name in names]

    def _fetch(self, names: list[str], mark: int | None) -> dict[str, bytes | None]:
        """The values of ``names`` with the TTLs of those to keep copies of, in one round
        trip; the copies kept (``mark`` from ``recall``; None: keep none)."""
        near = [name for name in names if mark is not None and self._near.covers(name)]
        pipe = self._client.pipeline(transaction=False)
        pipe.mget(names)
        for name in near:
            pipe.pttl(name)
        values, *ttls = pipe.execute()
        found = dict(zip(names, values, strict=True))
        for name, ttl_ms in zip(near, ttls, strict=True):
            value = found[name]
            # PTTL: -2 no such key, -1 no expiry; a key changed between the two reads is not
            # kept, its invalidation is on the way
            if mark is not None and (ttl_ms == -2) == (value is None) and ttl_ms != 0:
                self._near.keep(name, value, ttl_ms / 1000 if ttl_ms > 0 else None, mark)
        return found


def _glob_escape(text: str) -> str:
    return "".join(f"\\{char}" if char in GLOB_SPECIAL else char for char in text)


def open_cache(url: str) -> Cache:
    """The cache for ``memory://`` or ``redis://host:port/db`` (``?prefix=`` namespaces keys)."""
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        return MemoryCache()
    if scheme in ("redis", "rediss"):
        clean_url, prefix = _pop_prefix(url)
        return RedisCache(clean_url, prefix=prefix)
    raise ValueError(
        "MARQUEE_CACHE_URL must start with memory://, redis:// or rediss://, "
        f"not {scheme or '(none)'!r}"
    )


def _pop_prefix(url: str) -> tuple[str, str]:
    """Take ``prefix`` out of the query: redis-py would pass it on to the connection."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((value for name, value in reversed(query) if name == "prefix"), "")
    rest = urlencode([(name, value) for name, value in query if name != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix
