"""A platform on SQLite and a local lake, signed-in callers and playback sessions made directly
in playback's table (no media pipeline: analytics only needs the session's facts)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marquee.analytics import query
from marquee.app import create_app
from marquee.identity import service as identity
from marquee.identity.schemas import Role
from marquee.kit.db import utcnow
from marquee.playback.models import PlaybackSession
from marquee.runtime import Platform, build_platform
from marquee.settings import Settings
from tests.integration.viewers import Viewer

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    platform: Platform
    client: TestClient

    def caller(self, role: Role = "viewer") -> Viewer:
        email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
        with self.platform.db.transaction() as session:
            identity.register_account(
                session,
                settings=self.platform.settings,
                email=email,
                password=PASSWORD,
                role=role,
                verified=True,
            )
        login = self.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        profile = self.client.get("/api/v1/profiles", headers=headers).json()[0]["id"]
        return Viewer(self.client, login.json()["account_id"], profile, headers)

    def session_of(self, caller: Viewer, *, title_id: str = "t1", country: str = "US") -> str:
        """A playback session of ``caller`` (as playback would have started it)."""
        row = PlaybackSession(
            account_id=caller.account_id,
            profile_id=caller.profile_id,
            device_id="d",
            device_name="Firefox on Linux",
            title_id=title_id,
            asset_id="a1",
            country=country,
            max_height=1080,
            duration_s=600.0,
            expires_at=utcnow() + timedelta(hours=1),
        )
        with self.platform.db.transaction() as session:
            session.add(row)
            session.flush()
            return row.id

    def lake_rows(self, session_id: str) -> int:
        """The session's rows in the lake (from yesterday to tomorrow)."""
        today = date.today()
        _, rows = query.run(
            self.platform.db,
            self.platform.storage,
            "SELECT count(*) FROM events WHERE session_id = $id",
            first=today - timedelta(days=1),
            last=today + timedelta(days=1),
            parameters={"id": session_id},
        )
        return int(rows[0][0])

    def relay(self) -> None:
        """Hand every committed event on (the lake is written by the time this returns)."""
        while self.platform.relay.relay_once():
            pass


@pytest.fixture
def settings(settings: Settings, own_sqlite_database_url: str) -> Settings:
    """A database of the test's own: the reports count every row and event in it."""
    return settings.model_copy(update={"database_url": own_sqlite_database_url})


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    platform = build_platform(settings)
    app = create_app(settings, platform=platform)
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        yield World(platform, client)
    platform.stop()


def telemetry(kind: str, **fields: Any) -> dict[str, Any]:
    """One telemetry event of ``kind`` (a fresh id, now) with ``fields``."""
    at = fields.pop("at", datetime.now(UTC))
    return {"id": uuid.uuid4().hex, "kind": kind, "at": at.isoformat(), **fields}


def sample(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"buffer_s": 12.5, "throughput_kbps": 4200.0, "dropped_frames": 0}
    values |= {"edge_host": "edge-1.example", "played_ms": 10_000}
    return telemetry("sample", **(values | fields))
