"""A cache that loses everything (Redis flushed or restarted) signs nobody out and lifts no
lock-out: sessions, refresh-token families and lock-outs are database rows, the cache keeps
copies. On every database backend; the cluster suite (tests/cluster) flushes a real Redis."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from marquee.app import create_app
from marquee.identity.context import Identity
from marquee.identity.errors import TokenReused
from marquee.identity.limits import Limiter, subject
from marquee.identity.models import Lockout, SignInSession
from marquee.identity.schemas import Tokens
from marquee.identity.service import signin
from marquee.identity.sessions import SessionRecord
from marquee.identity.tasks import purge
from marquee.kit.cache import MemoryCache
from marquee.kit.db import Database, utcnow
from marquee.settings import load_settings
from tests.integration.identity.conftest import PASSWORD, bearer, new_email, signup


def test_nobody_is_signed_out_and_lock_outs_hold_when_the_cache_is_emptied(
    database_url: str, tmp_path: Path
) -> None:
    settings = load_settings(data_dir=tmp_path / "var", database_url=database_url, env="test")
    with TestClient(create_app(settings)) as client:
        cache = client.app.state.platform.cache  # type: ignore[attr-defined]
        tokens = signup(client)
        browser = TestClient(client.app)
        browser_email = new_email()
        signup(browser, browser_email)
        assert browser.cookies.get("marquee_session")
        guessed = new_email()
        signup(client, guessed)
        for _ in range(settings.lockout_threshold):
            wrong = {"email": guessed, "password": "guessing wrongly"}
            assert client.post("/api/v1/auth/login", json=wrong).status_code == 401

        cache.delete_prefix("")

        assert client.get("/api/v1/account", headers=bearer(tokens)).status_code == 200
        assert browser.get("/api/v1/account").json()["email"] == browser_email
        refreshed = client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refreshed.status_code == 200, refreshed.text
        right = {"email": guessed, "password": PASSWORD}
        locked = client.post("/api/v1/auth/login", json=right)
        assert locked.status_code == 429
        assert locked.json()["type"].endswith("/problems/account-locked")

        cache.delete_prefix("")
        replayed = client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert replayed.status_code == 401  # a spent refresh token stays spent
        assert client.get("/api/v1/account", headers=bearer(tokens)).status_code == 401


class ForgetfulCache(MemoryCache):
    """A cache flushed between every write and the next read: it keeps nothing."""

    def set(self, key: str, value: bytes | str, *, ttl_s: float | None = None) -> None:
        pass

    def add(self, key: str, value: bytes | str, *, ttl_s: float | None = None) -> bool:
        return True


def test_one_refresh_token_used_twice_at_once_after_a_flush_wins_once_and_ends_the_family(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(data_dir=tmp_path / "var", database_url=database_url, env="test")
    with TestClient(create_app(settings)) as client:
        platform = client.app.state.platform  # type: ignore[attr-defined]
        tokens = signup(client)
        platform.cache.delete_prefix("")
        ident = Identity.build(settings, ForgetfulCache(), platform.db.sessions)
        both_read = threading.Barrier(2, timeout=30)
        require = ident.sessions.require

        def require_together(account_id: str, session_id: str) -> SessionRecord:
            record = require(account_id, session_id)
            both_read.wait()  # both uses passed every check before either rotates
            return record

        monkeypatch.setattr(ident.sessions, "require", require_together)

        def use(token: str) -> Tokens | TokenReused:
            try:
                return signin.refresh(ident, refresh_token=token)
            except TokenReused as reused:
                return reused

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(use, [tokens["refresh_token"]] * 2))

        won = [answer for answer in answers if isinstance(answer, Tokens)]
        assert len(won) == 1, answers
        assert sum(isinstance(answer, TokenReused) for answer in answers) == 1
        successor = {"refresh_token": won[0].refresh_token}
        assert client.post("/api/v1/auth/refresh", json=successor).status_code == 401
        assert client.get("/api/v1/account", headers=bearer(tokens)).status_code == 401
        with platform.db.sessions() as session:
            owners = set(session.scalars(select(SignInSession.account_id)))
        assert tokens["account_id"] not in owners


def test_the_lock_out_starts_at_the_threshold_and_lifts_on_success(database_url: str) -> None:
    limiter = Limiter(MemoryCache(), Database(database_url).sessions)
    who = new_email()
    for _ in range(2):
        assert limiter.locked_for("login", who) is None
        limiter.fail("login", who, threshold=3, lock_s=60)
    limiter.fail("login", who, threshold=3, lock_s=60)
    assert 0 < (limiter.locked_for("login", who) or 0) <= 60
    limiter.succeed("login", who)
    assert limiter.locked_for("login", who) is None


def test_the_hourly_purge_deletes_ended_sessions_and_lock_outs(
    database_url: str, tmp_path: Path
) -> None:
    settings = load_settings(data_dir=tmp_path / "var", database_url=database_url, env="test")
    with TestClient(create_app(settings)) as client:
        platform = client.app.state.platform  # type: ignore[attr-defined]
        ended, kept = signup(client), signup(client)
        limiter = Limiter(platform.cache, platform.db.sessions)
        lapsed, locked = new_email(), new_email()
        for who in (lapsed, locked):
            limiter.fail("login", who, threshold=1, lock_s=60)
        past = utcnow() - timedelta(seconds=1)
        with platform.db.transaction() as session:
            session.execute(
                update(SignInSession)
                .where(SignInSession.account_id == ended["account_id"])
                .values(expires_at=past)
            )
            session.execute(
                update(Lockout)
                .where(Lockout.key == f"login:{subject(lapsed)}")
                .values(counted_until=past, locked_until=past)
            )

        with platform.db.transaction() as session:
            purge(session)

        with platform.db.sessions() as session:
            owners = set(session.scalars(select(SignInSession.account_id)))
            keys = set(session.scalars(select(Lockout.key)))
        assert ended["account_id"] not in owners
        assert kept["account_id"] in owners
        assert f"login:{subject(lapsed)}" not in keys
        assert f"login:{subject(locked)}" in keys
        assert client.get("/api/v1/account", headers=bearer(kept)).status_code == 200
