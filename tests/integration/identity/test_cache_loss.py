"""A cache that loses everything (Redis flushed or restarted) signs nobody out and lifts no
lock-out: sessions, refresh-token families and lock-outs are database rows, the cache keeps
copies. On every database backend; the cluster suite (tests/cluster) flushes a real Redis."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from marquee.app import create_app
from marquee.identity.limits import Limiter
from marquee.kit.cache import MemoryCache
from marquee.kit.db import Database
from marquee.settings import load_settings
from tests.integration.identity.conftest import CHEAP_ARGON2, PASSWORD, bearer, new_email, signup


def test_nobody_is_signed_out_and_lock_outs_hold_when_the_cache_is_emptied(
    database_url: str, tmp_path: Path
) -> None:
    settings = load_settings(
        data_dir=tmp_path / "var", database_url=database_url, env="test", **CHEAP_ARGON2
    )
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
