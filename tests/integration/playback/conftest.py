"""A platform of its own per test module: an encrypted clip ingested through the real pipeline
into two published titles, an HTTP server that ffmpeg can read from, and signed-in viewers."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import text

from marquee.app import create_app
from marquee.billing import service as billing
from marquee.identity import service as identity
from marquee.identity.schemas import Role
from marquee.kit.events import Event
from marquee.media import service as media
from marquee.playback import service as playback
from marquee.playback.events import HEARTBEAT, HISTORY_REMOVED, SESSION_ENDED, SESSION_STARTED
from marquee.playback.models import PlaybackSession
from marquee.runtime import Platform, build_platform
from tests.conftest import DATABASE_BACKENDS, platform_database
from tests.integration.media.conftest import Sources
from tests.integration.media.test_pipeline import media_settings, wait_for_asset
from tests.integration.viewers import Viewer

PASSWORD = "correct horse battery staple"
ADDRESSES = {"US": "127.0.0.1", "FR": "127.0.0.2", "JP": "127.0.0.5"}
GEO = ",".join(f"{ip}/32={country}" for country, ip in ADDRESSES.items())
#: The tests' "basic" plan stops at 144p so that the 180p rendition is held back.
BASIC_HEIGHT = 144


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class World:
    platform: Platform
    app: Any
    title_id: str
    other_title_id: str
    asset_id: str
    other_asset_id: str
    series_id: str = ""
    episode_ids: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    clients: list[TestClient] = field(default_factory=list)

    def viewer(
        self,
        plan: str | None = "standard",
        *,
        country: str = "US",
        email: str | None = None,
        role: Role = "viewer",
    ) -> Viewer:
        email = email or f"viewer-{uuid.uuid4().hex[:10]}@example.com"
        settings = self.platform.settings
        with self.platform.db.transaction() as session:
            if not identity.account_exists(session, email=email):
                account = identity.register_account(
                    session,
                    settings=settings,
                    email=email,
                    password=PASSWORD,
                    role=role,
                    verified=True,
                )
                if plan is not None:
                    billing.set_subscription(
                        session, settings=settings, account_id=account.id, plan_id=plan
                    )
        return self.sign_in(email, country)

    def sign_in(self, email: str, country: str = "US") -> Viewer:
        """Another device of the same account (a new identity session)."""
        client = TestClient(self.app, client=(ADDRESSES[country], 50000))
        self.clients.append(client)
        tokens = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert tokens.status_code == 200, tokens.text
        headers = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
        profile = client.get("/api/v1/profiles", headers=headers).json()[0]["id"]
        return Viewer(client, tokens.json()["account_id"], profile, headers)

    def events_for(self, session_id: str, kind: str) -> list[Event]:
        """``playback.session_started`` is kind "started", and so on."""
        names = {"started": "playback.session_started", "ended": "playback.session_ended"}
        name = names.get(kind, f"playback.{kind}")
        return [
            e for e in list(self.events) if e.name == name and e.payload["session_id"] == session_id
        ]

    def history_of(self, profile_id: str) -> list[str]:
        """What discovery sees of a profile's history."""
        with self.platform.db.sessions() as session:
            return playback.history_title_ids(session, profile_id=profile_id)

    def key_ids(self, asset_id: str) -> list[str]:
        with self.platform.db.sessions() as session:
            return media.asset_key_ids(session, asset_id=asset_id)

    def silence(self, session_id: str) -> None:
        """Make a session's last heartbeat older than the timeout (as if time passed)."""
        timeout = timedelta(seconds=self.platform.settings.playback_heartbeat_timeout_s + 1)
        with self.platform.db.transaction() as session:
            row = session.get_one(PlaybackSession, session_id)
            row.last_seen_at -= timeout
            row.started_at -= timeout

    def sql(self, statement: str, **params: Any) -> None:
        with self.platform.db.transaction() as session:
            session.execute(text(statement), params)


def _title(editor: Viewer) -> str:
    body = {
        "kind": "movie",
        "original_title": f"Clip {uuid.uuid4().hex[:6]}",
        "original_language": "en",
    }
    response = editor.call("POST", "/api/v1/studio/titles", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _publish(editor: Viewer, title_id: str, territories: list[str]) -> None:
    window = {"territories": territories, "starts_at": "2020-01-01T00:00:00Z"}
    response = editor.call("POST", f"/api/v1/studio/titles/{title_id}/windows", json=window)
    assert response.status_code == 201, response.text
    response = editor.call("POST", f"/api/v1/studio/titles/{title_id}/publish")
    assert response.status_code == 200, response.text


def _ingest(platform: Platform, source: Path, title_id: str, episode_id: str | None = None) -> str:
    asset_id = media.new_asset_id()
    key = f"{media.source_prefix(asset_id)}source.mp4"
    platform.storage.upload_from(str(source), key)
    with platform.db.transaction() as session:
        media.start_ingest(
            session,
            storage=platform.storage,
            source_key=key,
            title_id=title_id,
            episode_id=episode_id,
            asset_id=asset_id,
        )
    return asset_id


def _wait_attached(editor: Viewer, title_id: str, timeout_s: float = 30) -> None:
    """Until the catalog has attached media to the title (a movie) or every episode."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = editor.call("GET", f"/api/v1/studio/titles/{title_id}").json()
        episodes = [e for s in found["seasons"] for e in s["episodes"]]
        if all(e["asset_id"] for e in episodes) if episodes else found["asset_id"]:
            return
        time.sleep(0.1)
    pytest.fail(f"the catalog never attached media to {title_id}")


def _series(world: World, editor: Viewer, clip: Path) -> None:
    """A published series of one season with two episodes, each with its own asset."""
    body = {"kind": "series", "original_title": "Serial", "original_language": "en"}
    world.series_id = editor.call("POST", "/api/v1/studio/titles", json=body).json()["id"]
    added = editor.call(
        "POST", f"/api/v1/studio/titles/{world.series_id}/seasons", json={"number": 1}
    ).json()
    season = added["seasons"][0]["id"]
    for number in (1, 2):
        form = {"number": number, "original_title": f"Episode {number}"}
        title = editor.call("POST", f"/api/v1/studio/seasons/{season}/episodes", json=form).json()
        world.episode_ids.append(title["seasons"][0]["episodes"][-1]["id"])
    for episode_id in world.episode_ids:
        asset_id = _ingest(world.platform, clip, world.series_id, episode_id)
        assert wait_for_asset(world.platform, asset_id).status == "ready"
    _wait_attached(editor, world.series_id)
    _publish(editor, world.series_id, ["WORLD"])


@pytest.fixture(scope="module", params=DATABASE_BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    with platform_database(request.param) as extra:
        yield from _world(tmp_path_factory.mktemp("playback"), tmp_path_factory, extra)


def _world(
    root: Path, tmp_path_factory: pytest.TempPathFactory, extra: dict[str, str]
) -> Iterator[World]:
    port = free_port()
    settings = media_settings(
        root,
        MARQUEE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        MARQUEE_GEO_NETWORKS=GEO,
        # The origin reads the revoked sessions this often (tests move time, then wait).
        MARQUEE_DELIVERY_REVOCATION_POLL_S="0.2",
        **extra,
    )
    platform = build_platform(settings)
    platform.start(worker=True, short_threads=1, long_threads=2)
    app = create_app(settings, platform=platform)
    app.state.platform = platform
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    sources = Sources(tmp_path_factory.mktemp("sources"))
    world = World(platform, app, "", "", "", "")
    platform.events.subscribe(
        (SESSION_STARTED, HEARTBEAT, SESSION_ENDED, HISTORY_REMOVED),
        world.events.append,
        group="test-playback",
    )
    world.sql("UPDATE billing_plans SET max_height = :h WHERE id = 'basic'", h=BASIC_HEIGHT)
    editor = world.viewer(None, role="editor")
    world.title_id, world.other_title_id = _title(editor), _title(editor)
    clip = sources.path("h264_aac.mp4")
    world.asset_id = _ingest(platform, clip, world.title_id)
    world.other_asset_id = _ingest(platform, clip, world.other_title_id)
    for asset_id in (world.asset_id, world.other_asset_id):
        assert wait_for_asset(platform, asset_id).status == "ready"
    for title_id in (world.title_id, world.other_title_id):
        _wait_attached(editor, title_id)
        _publish(editor, title_id, ["WORLD"])
    _series(world, editor, clip)
    yield world
    for client in world.clients:
        client.close()
    server.should_exit = True
    thread.join(10)
    platform.stop()
