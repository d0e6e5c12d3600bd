"""A platform of its own per test module and database: one clip ingested through the real
pipeline into a movie downloadable everywhere (its own untagged soundtrack, a French dub,
English and French subtitles), and a second movie (the same asset) whose one window, in the
US only, allows streaming but not downloads; a series whose one episode plays that asset too."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from marquee.app import create_app
from marquee.downloads.models import Download
from marquee.media import service as media
from marquee.media.ffmpeg import run_ffmpeg
from marquee.media.schemas import InputFile
from marquee.runtime import Platform, build_platform
from tests.conftest import DATABASE_BACKENDS, platform_database
from tests.integration.media.conftest import Sources, tone
from tests.integration.media.test_pipeline import media_settings, wait_for_asset
from tests.integration.playback.conftest import (
    GEO,
    World,
    _title,
    _wait_attached,
)
from tests.integration.viewers import Viewer

#: An account's cap on active downloads in these tests (MARQUEE_DOWNLOADS_MAX_PER_ACCOUNT).
MAX_PER_ACCOUNT = 3
#: Licence requests a download may make a minute here (MARQUEE_PLAYBACK_LICENSE_LIMIT).
LICENSE_LIMIT = 4
WORLDWIDE = {"territories": ["WORLD"], "starts_at": "2020-01-01T00:00:00Z"}


@dataclass
class Downloads(World):
    """The playback tests' world, with what downloads' tests need besides."""

    window_id: str = ""
    editor: Viewer | None = None

    def download(self, viewer: Viewer, device_id: str, **extra: Any) -> Any:
        body = {
            "title_id": self.title_id,
            "profile_id": viewer.profile_id,
            "device_id": device_id,
            "quality": "high",
            **extra,
        }
        return viewer.call("POST", "/api/v1/downloads", json=body)

    def on_device(self, viewer: Viewer, device_id: str) -> list[dict[str, Any]]:
        answer = viewer.call("GET", "/api/v1/downloads", params={"device_id": device_id})
        assert answer.status_code == 200, answer.text
        return answer.json()["downloads"]  # type: ignore[no-any-return]

    def shift(self, download_id: str, **deltas: timedelta) -> None:
        """Move a download's dates back in time (as if time passed)."""
        with self.platform.db.transaction() as session:
            row = session.get_one(Download, download_id)
            for column, delta in deltas.items():
                setattr(row, column, getattr(row, column) - delta)

    def revoked_reason(self, download_id: str) -> str | None:
        """Read without the device asking (asking counts as the device being seen)."""
        with self.platform.db.sessions() as session:
            return session.get_one(Download, download_id).revoked_reason

    def until(self, check: Callable[[], Any], timeout_s: float = 10) -> Any:
        """Poll ``check`` until it answers something true (an event handled)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            time.sleep(0.05)
        pytest.fail("the platform never got there")


def _publish(editor: Viewer, title_id: str, window: dict[str, Any]) -> str:
    response = editor.call("POST", f"/api/v1/studio/titles/{title_id}/windows", json=window)
    assert response.status_code == 201, response.text
    published = editor.call("POST", f"/api/v1/studio/titles/{title_id}/publish")
    assert published.status_code == 200, published.text
    return str(response.json()["id"])


def _ingest_with_tracks(platform: Platform, sources: Sources, title_id: str) -> str:
    """The clip with a French dub (``fra``) and subtitles in English and French (``en``,
    ``fr``) besides its own untagged soundtrack."""
    french = sources.root / "french.m4a"
    run_ffmpeg([*tone(freq=660), "-c:a", "aac", str(french)], step="fixture")
    asset_id = media.new_asset_id()
    prefix = media.source_prefix(asset_id)
    files = {
        "source.mp4": sources.path("h264_aac.mp4"),
        "audio-0.m4a": french,
        "subtitles-0.srt": sources.srt(),
        "subtitles-1.srt": sources.srt(),
    }
    for name, path in files.items():
        platform.storage.upload_from(str(path), prefix + name)
    with platform.db.transaction() as session:
        media.start_ingest(
            session,
            storage=platform.storage,
            source_key=f"{prefix}source.mp4",
            title_id=title_id,
            asset_id=asset_id,
            audio=[InputFile(language="fra", key=f"{prefix}audio-0.m4a")],
            subtitles=[
                InputFile(language="en", key=f"{prefix}subtitles-0.srt"),
                InputFile(language="fr", key=f"{prefix}subtitles-1.srt"),
            ],
        )
    return asset_id


def _series(world: Downloads, editor: Viewer) -> None:
    """A published series of one episode, playing the movie's asset."""
    body = {"kind": "series", "original_title": "Serial", "original_language": "en"}
    world.series_id = editor.call("POST", "/api/v1/studio/titles", json=body).json()["id"]
    added = editor.call(
        "POST", f"/api/v1/studio/titles/{world.series_id}/seasons", json={"number": 1}
    ).json()
    form = {"number": 1, "original_title": "Pilot"}
    path = f"/api/v1/studio/seasons/{added['seasons'][0]['id']}/episodes"
    title = editor.call("POST", path, json=form).json()
    world.episode_ids.append(title["seasons"][0]["episodes"][-1]["id"])
    attach = "UPDATE catalog_episodes SET asset_id = :asset_id WHERE id = :episode_id"
    world.sql(attach, asset_id=world.asset_id, episode_id=world.episode_ids[0])
    _publish(editor, world.series_id, WORLDWIDE)


@pytest.fixture(scope="module", params=DATABASE_BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Downloads]:
    with platform_database(request.param) as extra:
        yield from _world(tmp_path_factory, extra)


def _world(tmp_path_factory: pytest.TempPathFactory, extra: dict[str, str]) -> Iterator[Downloads]:
    settings = media_settings(
        tmp_path_factory.mktemp("downloads"),
        MARQUEE_PUBLIC_URL="http://127.0.0.1:9",
        MARQUEE_GEO_NETWORKS=GEO,
        MARQUEE_DOWNLOADS_MAX_PER_ACCOUNT=str(MAX_PER_ACCOUNT),
        MARQUEE_PLAYBACK_LICENSE_LIMIT=str(LICENSE_LIMIT),
        **extra,
    )
    platform = build_platform(settings)
    platform.start(worker=True, short_threads=1, long_threads=2)
    app = create_app(settings, platform=platform)
    app.state.platform = platform
    world = Downloads(platform, app, "", "", "", "")
    editor = world.editor = world.viewer(None, role="editor")
    world.title_id, world.other_title_id = _title(editor), _title(editor)
    sources = Sources(tmp_path_factory.mktemp("sources"))
    world.asset_id = world.other_asset_id = _ingest_with_tracks(platform, sources, world.title_id)
    assert wait_for_asset(platform, world.asset_id).status == "ready"
    _wait_attached(editor, world.title_id)
    # One ingest for both (the second title's media matters to no test, only that it has some).
    attach = "UPDATE catalog_titles SET asset_id = :asset_id WHERE id = :title_id"
    world.sql(attach, asset_id=world.asset_id, title_id=world.other_title_id)
    world.window_id = _publish(editor, world.title_id, WORLDWIDE)
    _series(world, editor)
    streaming_only = {
        "territories": ["US"],
        "starts_at": "2020-01-01T00:00:00Z",
        "downloads_allowed": False,
    }
    _publish(editor, world.other_title_id, streaming_only)
    yield world
    for client in world.clients:
        client.close()
    platform.stop()
