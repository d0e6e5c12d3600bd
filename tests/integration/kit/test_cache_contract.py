"""One contract for every Cache: the in-process MemoryCache and Redis."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from marquee.kit.cache import Cache, MemoryCache, RedisCache, open_cache
from tests.services import REDIS_URL, need

SHORT_TTL = 0.5
PAST_SHORT_TTL = 0.7


def unique_prefix() -> str:
    return f"test:{uuid.uuid4().hex}:"


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.integration)])
def cache(request: pytest.FixtureRequest) -> Iterator[Cache]:
    if request.param == "memory":
        opened: Cache = open_cache("memory://")
    else:
        need("redis")
        opened = RedisCache(REDIS_URL, prefix=unique_prefix())
    yield opened
    opened.delete_prefix("")
    opened.close()


def test_set_and_get(cache: Cache) -> None:
    assert cache.get("session:1") is None
    cache.set("session:1", b"\x00bytes")
    assert cache.get("session:1") == b"\x00bytes"
    cache.set("session:1", "text é")
    assert cache.get("session:1") == "text é".encode()


def test_get_many_answers_in_the_order_asked(cache: Cache) -> None:
    cache.set("a", b"1")
    cache.set("c", "3")
    assert cache.get_many("c", "b", "a") == [b"3", None, b"1"]
    assert cache.get_many() == []


def test_values_expire_after_their_ttl(cache: Cache) -> None:
    cache.set("token", b"t", ttl_s=SHORT_TTL)
    cache.set("forever", b"f")
    assert cache.get("token") == b"t"
    remaining = cache.ttl("token")
    assert remaining is not None
    assert 0 < remaining <= SHORT_TTL
    assert cache.ttl("forever") is None
    assert cache.ttl("missing") is None
    time.sleep(PAST_SHORT_TTL)
    assert cache.get("token") is None
    assert cache.ttl("token") is None
    assert cache.get("forever") == b"f"


def test_set_without_ttl_removes_the_expiry(cache: Cache) -> None:
    cache.set("k", b"1", ttl_s=SHORT_TTL)
    cache.set("k", b"2")
    assert cache.ttl("k") is None
    time.sleep(PAST_SHORT_TTL)
    assert cache.get("k") == b"2"


@pytest.mark.parametrize("ttl_s", [0, -1.5])
def test_non_positive_ttls_are_refused(cache: Cache, ttl_s: float) -> None:
    with pytest.raises(ValueError, match="ttl_s"):
        cache.set("k", b"v", ttl_s=ttl_s)
    with pytest.raises(ValueError, match="ttl_s"):
        cache.incr("k", ttl_s=ttl_s)


def test_add_sets_only_if_absent(cache: Cache) -> None:
    assert cache.add("lock:job", b"worker-1", ttl_s=SHORT_TTL) is True
    assert cache.add("lock:job", b"worker-2", ttl_s=SHORT_TTL) is False
    assert cache.get("lock:job") == b"worker-1"
    time.sleep(PAST_SHORT_TTL)
    assert cache.add("lock:job", "worker-2") is True
    assert cache.get("lock:job") == b"worker-2"


def test_incr_counts_from_zero(cache: Cache) -> None:
    assert cache.incr("views") == 1
    assert cache.incr("views", 5) == 6
    assert cache.incr("views", -2) == 4
    assert cache.get("views") == b"4"
    cache.set("preset", "41")
    assert cache.incr("preset") == 42


def test_incr_on_a_non_integer_is_refused(cache: Cache) -> None:
    cache.set("name", b"marquee")
    with pytest.raises(ValueError, match="integer"):
        cache.incr("name")
    with pytest.raises(ValueError, match="integer"):
        cache.incr("name", ttl_s=60)
    assert cache.get("name") == b"marquee"


def test_incr_ttl_applies_only_when_the_counter_is_created(cache: Cache) -> None:
    assert cache.incr("rate:ip", ttl_s=10) == 1
    assert cache.incr("rate:ip", ttl_s=100) == 2
    assert cache.incr("rate:ip") == 3
    remaining = cache.ttl("rate:ip")
    assert remaining is not None
    assert 0 < remaining <= 10


def test_an_expired_counter_starts_again_with_the_new_ttl(cache: Cache) -> None:
    assert cache.incr("rate:ip", ttl_s=SHORT_TTL) == 1
    time.sleep(PAST_SHORT_TTL)
    assert cache.get("rate:ip") is None
    assert cache.incr("rate:ip", ttl_s=100) == 1
    assert (cache.ttl("rate:ip") or 0) > SHORT_TTL


def test_incr_is_atomic_across_threads(cache: Cache) -> None:
    def bump() -> None:
        for _ in range(200):
            cache.incr("concurrent", ttl_s=60)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get("concurrent") == b"1600"


def test_delete(cache: Cache) -> None:
    cache.set("a", b"1")
    cache.set("b", b"2")
    cache.set("c", b"3")
    cache.delete("a", "b", "missing")
    cache.delete()
    assert [cache.get(key) for key in ("a", "b", "c")] == [None, None, b"3"]


def test_delete_prefix_matches_literally(cache: Cache) -> None:
    for key in ("row:1", "row:2", "row*x", "rows", "user:1"):
        cache.set(key, b"v")
    cache.delete_prefix("row:")
    assert cache.get("row:1") is None
    assert cache.get("row:2") is None
    assert cache.get("rows") == b"v"
    cache.delete_prefix("row*")
    assert cache.get("row*x") is None
    assert cache.get("rows") == b"v"
    assert cache.get("user:1") == b"v"


def test_ping(cache: Cache) -> None:
    cache.ping()


def test_memory_cache_evicts_the_least_recently_used_key() -> None:
    cache = MemoryCache(max_keys=3)
    for key in ("a", "b", "c"):
        cache.set(key, key)
    assert cache.get("a") == b"a"
    cache.set("d", "d")
    assert cache.get("b") is None
    assert [cache.get(key) for key in ("a", "c", "d")] == [b"a", b"c", b"d"]
    cache.incr("e")
    assert cache.get("a") is None


@pytest.mark.integration
def test_redis_prefixes_isolate_caches() -> None:
    need("redis")
    first = open_cache(f"{REDIS_URL}?prefix={unique_prefix()}")
    second = RedisCache(REDIS_URL, prefix=unique_prefix())
    assert isinstance(first, RedisCache)
    assert first.prefix.startswith("test:")
    try:
        first.set("shared-name", b"first")
        assert second.get("shared-name") is None
        second.set("shared-name", b"second")
        second.delete_prefix("")
        assert first.get("shared-name") == b"first"
    finally:
        for cache in (first, second):
            cache.delete_prefix("")
            cache.close()


def test_open_cache_chooses_by_scheme() -> None:
    assert isinstance(open_cache("memory://"), MemoryCache)
    assert isinstance(open_cache("redis://127.0.0.1:6379/0?prefix=x:"), RedisCache)
    assert isinstance(open_cache("rediss://127.0.0.1:6380/0"), RedisCache)


@pytest.mark.parametrize("url", ["memcached://127.0.0.1:11211", "", "localhost:6379"])
def test_open_cache_refuses_unknown_schemes(url: str) -> None:
    with pytest.raises(ValueError, match="MARQUEE_CACHE_URL"):
        open_cache(url)
