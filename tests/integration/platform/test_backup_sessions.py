"""``marquee backup restore`` ends every sign-in session, unless ``--keep-sessions``: a backup
holds the sessions of its moment, and a device signed out since (a stolen phone) must not be
signed in again by a restore. The restored platform shares the original's Redis, as in
production, so the cached copies of sessions must go too."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from marquee import migrate
from marquee.app import create_app
from marquee.cli.main import app as marquee
from marquee.identity.models import SignInSession
from marquee.kit.cache import open_cache
from marquee.kit.db import Database
from marquee.settings import Settings, load_settings
from tests.integration.identity.conftest import PASSWORD, bearer, new_email, signup
from tests.services import REDIS_URL, need


def marquee_command(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(marquee, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def settings_of(env: dict[str, str]) -> Settings:
    return load_settings(**{k.removeprefix("MARQUEE_").lower(): v for k, v in env.items()})


@contextmanager
def serving(env: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(settings_of(env))) as client:
        yield client


def platform(root: Path, cache_url: str) -> dict[str, str]:
    """The environment of a platform in ``root`` (SQLite in it) on the shared cache."""
    return {
        "MARQUEE_DATA_DIR": str(root),
        "MARQUEE_ENV": "test",
        "MARQUEE_LOG_JSON": "false",
        "MARQUEE_CACHE_URL": cache_url,
    }


@pytest.fixture
def cache_url() -> Iterator[str]:
    need("redis")
    url = f"{REDIS_URL}?prefix=test-backup-{uuid.uuid4().hex}:"
    yield url
    open_cache(url).delete_prefix("")


@dataclass
class Device:
    email: str
    tokens: Any

    def account(self, client: TestClient) -> int:
        """The status of reading the account with the device's access token."""
        return client.get("/api/v1/account", headers=bearer(self.tokens)).status_code

    def refresh(self, client: TestClient) -> int:
        token = {"refresh_token": self.tokens["refresh_token"]}
        return client.post("/api/v1/auth/refresh", json=token).status_code


def back_up_two_devices(env: dict[str, str], dest: Path) -> tuple[Device, Device]:
    """Two signed-in devices, a backup, then one of them signed out."""
    migrate.upgrade(settings_of(env).resolved_database_url)
    with serving(env) as client:
        stays, leaves = (
            Device(email, signup(client, email)) for email in (new_email(), new_email())
        )
        marquee_command(env, "backup", "create", str(dest))
        assert client.post("/api/v1/auth/logout", headers=bearer(leaves.tokens)).status_code == 204
        assert stays.account(client) == 200  # its copy is in the shared cache
    return stays, leaves


def test_a_restore_signs_everyone_out_unless_told_to_keep_sessions(
    cache_url: str, tmp_path: Path
) -> None:
    original, backup = platform(tmp_path / "original", cache_url), tmp_path / "backup"
    stays, leaves = back_up_two_devices(original, backup)
    target = platform(tmp_path / "restored", cache_url)

    restored = marquee_command(target, "backup", "restore", str(backup))

    assert restored["sessions_ended"] == 2
    with serving(target) as client:
        for device in (stays, leaves):
            assert device.account(client) == 401
            assert device.refresh(client) == 401
        again = {"email": stays.email, "password": PASSWORD}
        assert client.post("/api/v1/auth/login", json=again).status_code == 200

    kept = platform(tmp_path / "kept", cache_url)
    restored = marquee_command(kept, "backup", "restore", str(backup), "--keep-sessions")

    assert restored["sessions_ended"] == 0
    database = Database(settings_of(kept).resolved_database_url)
    with database.sessions() as session:
        owners = set(session.scalars(select(SignInSession.account_id)))
    database.dispose()
    # the backup's sessions, the one signed out after it included: the price of keeping them
    assert owners == {stays.tokens["account_id"], leaves.tokens["account_id"]}
