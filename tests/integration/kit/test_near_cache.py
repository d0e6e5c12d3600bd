"""Copies of hot keys kept by each node (kit/near_cache.py): another node's change is seen at
the next read, whatever the change, and the copies save the round trips."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from marquee.kit.cache import RedisCache, keep_near
from tests.services import REDIS_URL, need

pytestmark = pytest.mark.integration

HOT = "near-test:hot:"
keep_near(HOT)


@pytest.fixture
def nodes() -> Iterator[tuple[RedisCache, RedisCache]]:
    """Two nodes' caches on one Redis (one tenant prefix)."""
    need("redis")
    prefix = f"test:{uuid.uuid4().hex}:"
    first, second = RedisCache(REDIS_URL, prefix=prefix), RedisCache(REDIS_URL, prefix=prefix)
    yield first, second
    first.delete_prefix("")
    first.close()
    second.close()


def copies(cache: RedisCache) -> int:
    """How many keys the node holds copies of."""
    return len(cache._near._copies._entries)


def test_a_copy_is_served_until_another_node_changes_the_key(
    nodes: tuple[RedisCache, RedisCache],
) -> None:
    first, second = nodes
    first.set(HOT + "session", b"signed in", ttl_s=60)
    assert second.get(HOT + "session") == b"signed in"
    assert copies(second) == 1
    first.set(HOT + "session", b"moved on", ttl_s=60)
    assert second.get(HOT + "session") == b"moved on"
    first.delete(HOT + "session")
    assert second.get(HOT + "session") is None
    first.incr(HOT + "version")
    assert second.get_many(HOT + "version", HOT + "session") == [b"1", None]
    first.incr(HOT + "version")
    assert second.get_many(HOT + "version") == [b"2"]


def test_a_key_not_set_is_remembered_as_absent_until_created(
    nodes: tuple[RedisCache, RedisCache],
) -> None:
    first, second = nodes
    assert second.get(HOT + "history") is None
    assert copies(second) == 1
    first.incr(HOT + "history")
    assert second.get(HOT + "history") == b"1"


def test_copies_end_with_their_ttl_and_with_any_change_in_redis(
    nodes: tuple[RedisCache, RedisCache],
) -> None:
    first, second = nodes
    first.set(HOT + "short", b"v", ttl_s=0.3)
    first.set(HOT + "long", b"v")
    assert second.get_many(HOT + "short", HOT + "long") == [b"v", b"v"]
    time.sleep(0.4)
    assert second.get(HOT + "short") is None
    # deleted behind the caches' backs (an operator, a script)
    redis.Redis.from_url(REDIS_URL).unlink(first.prefix + HOT + "long")
    assert second.get(HOT + "long") is None


def test_a_value_read_before_a_change_is_not_kept_after_it(
    nodes: tuple[RedisCache, RedisCache],
) -> None:
    first, second = nodes
    name = second.prefix + HOT + "profile"
    first.set(HOT + "profile", b"old")
    _, mark = second._near.recall([name])
    assert mark is not None
    seen = second._near._seen
    first.set(HOT + "profile", b"new")
    deadline = time.monotonic() + 5
    while second._near._seen == seen and time.monotonic() < deadline:
        second._near.recall([name])  # the invalidation applied...
    second._near.keep(name, b"old", None, mark)  # ...then the read from before it ends
    assert second.get(HOT + "profile") == b"new"


def test_other_keys_are_read_from_redis_each_time(nodes: tuple[RedisCache, RedisCache]) -> None:
    first, second = nodes
    first.set("cold", b"1")
    assert second.get("cold") == b"1"
    assert copies(second) == 0


def test_a_node_whose_tracking_connection_breaks_drops_its_copies(
    nodes: tuple[RedisCache, RedisCache],
) -> None:
    first, second = nodes
    first.set(HOT + "session", b"signed in")
    assert second.get(HOT + "session") == b"signed in"
    second._near._connection.disconnect()
    first.delete(HOT + "session")
    assert second.get(HOT + "session") is None


def test_a_node_whose_tracking_connection_stops_answering_gives_its_copies_up(
    nodes: tuple[RedisCache, RedisCache],
) -> None:
    first, second = nodes
    first.set(HOT + "session", b"signed in")
    assert second.get(HOT + "session") == b"signed in"
    assert copies(second) == 1
    # as if cut off from Redis since a PING sent two seconds ago
    second._near._pinged_at, second._near._answered = time.monotonic() - 2, False
    assert second.get(HOT + "session") == b"signed in"
    assert copies(second) == 0
