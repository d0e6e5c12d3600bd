"""A sign-out racing a request that read the session leaves no ended session in the cache.

The race is forced, not waited for: the cache runs the sign-out just before the request's
write of its copy, the one moment where a copy written from a row read before the sign-out
could outlive it. On a real Redis and on every database backend.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from marquee.identity.models import Account
from marquee.identity.sessions import SessionRecord, SessionStore
from marquee.identity.tokens import issue_refresh_token
from marquee.kit.cache import RedisCache
from marquee.kit.db import Database, new_id
from tests.services import REDIS_URL, need

TTL_S = 3600.0


class SignOutBeforeWrite(RedisCache):
    """A Redis cache that runs ``sign_out`` (once) right before it writes a key."""

    sign_out: Callable[[], None] | None = None

    def set(self, key: str, value: bytes | str, *, ttl_s: float | None = None) -> None:
        sign_out, self.sign_out = self.sign_out, None
        if sign_out is not None:
            sign_out()
        super().set(key, value, ttl_s=ttl_s)


@pytest.fixture
def cache() -> Iterator[SignOutBeforeWrite]:
    need("redis")
    racing = SignOutBeforeWrite(REDIS_URL, prefix=f"test-races-{uuid.uuid4().hex}:")
    yield racing
    racing.delete_prefix("")
    racing.close()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def sign_in(
    store: SessionStore, db: Database, *, racing: Callable[[str], None] | None = None
) -> SessionRecord:
    """A new account's session; ``racing(account_id)`` runs between the sign-in's commit and
    the write of its copy."""
    account_id = new_id()
    with db.transaction() as session:
        session.add(Account(id=account_id, email=f"{account_id}@example.com", password_hash="x"))
        session.flush()
        refresh = issue_refresh_token(account_id, new_id(), 0, TTL_S)
        record, _ = store.create(
            session, account_id, user_agent="test", ip="127.0.0.1", country=None, refresh=refresh
        )
        if racing is not None:
            assert isinstance(store.cache, SignOutBeforeWrite)
            store.cache.sign_out = lambda: racing(account_id)
    return record


def copy_of(cache: RedisCache, record: SessionRecord) -> bytes | None:
    return cache.get(f"identity:session:{record.account_id}:{record.id}")


def test_a_read_refilling_the_cache_during_a_sign_out(
    cache: SignOutBeforeWrite, db: Database
) -> None:
    store = SessionStore(cache, db.sessions, TTL_S)
    record = sign_in(store, db)
    cache.delete_prefix("")  # the copy is gone (expired, flushed): the next read refills it
    cache.sign_out = lambda: store.revoke(record.account_id, record.id)

    assert store.get(record.account_id, record.id) is not None  # it read the row first

    assert copy_of(cache, record) is None
    assert store.get(record.account_id, record.id) is None


def test_a_device_seen_again_during_a_sign_out(cache: SignOutBeforeWrite, db: Database) -> None:
    store = SessionStore(cache, db.sessions, TTL_S)
    record = sign_in(store, db)
    cache.sign_out = lambda: store.revoke(record.account_id, record.id)

    store.touch(record, "127.0.0.2", None)

    assert copy_of(cache, record) is None
    assert store.get(record.account_id, record.id) is None


def test_a_sign_in_during_a_sign_out_everywhere(cache: SignOutBeforeWrite, db: Database) -> None:
    store = SessionStore(cache, db.sessions, TTL_S)

    record = sign_in(store, db, racing=store.revoke_all)

    assert copy_of(cache, record) is None
    assert store.get(record.account_id, record.id) is None


def test_a_session_nobody_signs_out_is_cached_as_it_is_read(
    cache: SignOutBeforeWrite, db: Database
) -> None:
    store = SessionStore(cache, db.sessions, TTL_S)
    record = sign_in(store, db)
    assert copy_of(cache, record) is not None
    cache.delete_prefix("")

    assert store.get(record.account_id, record.id) == record

    assert copy_of(cache, record) is not None
