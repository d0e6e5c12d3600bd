"""The ingest pipeline end to end: queued jobs on the embedded platform, the object store as
the only shared medium, then the package played back with ffmpeg as the client."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from marquee import migrate
from marquee.identity import service as identity
from marquee.identity.schemas import Role
from marquee.kit.events import Event
from marquee.kit.queue import JobContext, JobRun
from marquee.kit.storage import ObjectStore
from marquee.media import service
from marquee.media.events import ASSET_FAILED, ASSET_READY
from marquee.media.ffmpeg import run_ffmpeg
from marquee.media.models import AssetStep
from marquee.media.pipeline.analyse import analyse
from marquee.media.pipeline.encode import encode_rendition_job
from marquee.media.pipeline.package import package_job
from marquee.media.probe import probe
from marquee.media.qc import TARGET_LUFS, run_qc
from marquee.media.schemas import AssetOut, InputFile
from marquee.runtime import Platform, build_platform
from marquee.settings import Settings, load_settings
from tests.integration.media.conftest import Sources
from tests.integration.media.test_package import (
    frame_hashes,
    hls_as_mp4,
    pictures_with_a_wrong_key,
)

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple"

ROOT = Path(__file__).resolve().parents[3]
MARQUEE = str(Path(sys.executable).parent / "marquee")
LADDER = [
    {"name": "180p", "width": 320, "height": 180, "video_bitrate_kbps": 400},
    {"name": "144p", "width": 256, "height": 144, "video_bitrate_kbps": 200},
]


def media_env(root: Path, **extra: str) -> dict[str, str]:
    """Settings for a platform of its own (database, queue, objects under ``root``)."""
    return {
        "MARQUEE_DATA_DIR": str(root / "var"),
        "MARQUEE_ENV": "test",
        "MARQUEE_LOG_JSON": "false",
        "MARQUEE_LOG_LEVEL": "WARNING",
        "MARQUEE_MEDIA_LADDER": json.dumps(LADDER),
        "MARQUEE_MEDIA_PRESET": "ultrafast",
        "MARQUEE_MEDIA_AV1": "false",  # H.264 only; tests that want AV1 turn it on
        "MARQUEE_MEDIA_VMAF_SUBSAMPLE": "5",
        "MARQUEE_MEDIA_TRICKPLAY_INTERVAL_S": "1",
        "MARQUEE_MEDIA_TEMP_DIR": str(root / "tmp"),
        # Key tiers at the ladder's scale: 144p is SD, 180p HD (a key of its own).
        "MARQUEE_MEDIA_SD_MAX_HEIGHT": "144",
        **extra,
    }


def media_settings(root: Path, **extra: str) -> Settings:
    env = media_env(root, **extra)
    overrides: dict[str, Any] = {k.removeprefix("MARQUEE_").lower(): v for k, v in env.items()}
    overrides["media_ladder"] = LADDER
    settings = load_settings(**overrides)
    migrate.upgrade(settings.resolved_database_url)
    return settings


class Pipeline:
    """A running platform plus what its event subscribers saw."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.events: list[Event] = []
        self._lock = threading.Lock()
        platform.events.subscribe((ASSET_READY, ASSET_FAILED), self._seen, group="test-media")

    def _seen(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)

    @property
    def storage(self) -> ObjectStore:
        return self.platform.storage

    def events_for(self, name: str, asset_id: str) -> list[Event]:
        with self._lock:
            return [e for e in self.events if e.name == name and e.payload["asset_id"] == asset_id]

    def ingest(
        self,
        source: Path,
        *,
        audio: dict[str, Path] | None = None,
        subtitles: dict[str, Path] | None = None,
        clear: bool = False,
    ) -> str:
        asset_id = service.new_asset_id()
        prefix = service.source_prefix(asset_id)
        source_key = f"{prefix}source{source.suffix}"
        self.storage.upload_from(str(source), source_key)
        extra = {}
        for kind, files in (("audio", audio or {}), ("subtitles", subtitles or {})):
            extra[kind] = []
            for n, (language, path) in enumerate(files.items()):
                key = f"{prefix}{kind}-{n}{path.suffix}"
                self.storage.upload_from(str(path), key)
                extra[kind].append(InputFile(language=language, key=key))
        with self.platform.db.transaction() as session:
            service.start_ingest(
                session,
                storage=self.storage,
                source_key=source_key,
                title_hint="Test",
                title_id="title-1",
                clear=clear,
                asset_id=asset_id,
                **extra,
            )
        return asset_id

    def wait(self, asset_id: str, timeout_s: float = 180) -> AssetOut:
        return wait_for_asset(self.platform, asset_id, timeout_s)


def wait_for_asset(platform: Platform, asset_id: str, timeout_s: float = 180) -> AssetOut:
    deadline = time.monotonic() + timeout_s
    while True:
        with platform.db.sessions() as session:
            asset = service.get_asset(session, asset_id=asset_id)
        if asset.status in ("ready", "failed"):
            return asset
        if time.monotonic() > deadline:
            pytest.fail(f"asset {asset_id} still {asset.status} after {timeout_s} s: {asset.steps}")
        time.sleep(0.1)


def running_pipeline(root: Path, **env: str) -> Iterator[Pipeline]:
    """A platform with two media workers in ``root``, stopped when the fixture ends."""
    platform = build_platform(media_settings(root, **env))
    platform.start(worker=True, short_threads=1, long_threads=2)
    yield Pipeline(platform)
    platform.stop()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    yield from running_pipeline(tmp_path_factory.mktemp("pipeline"))


@pytest.fixture(scope="module")
def ready(pipeline: Pipeline, sources: Sources) -> AssetOut:
    """One encrypted asset with an extra audio language and subtitles, shared by the tests."""
    french = sources.root / "french.m4a"
    if not french.exists():
        run_ffmpeg(
            ["-f", "lavfi", "-i", "sine=f=660:d=4", "-c:a", "aac", str(french)], step="fixture"
        )
    asset_id = pipeline.ingest(
        sources.path("h264_aac.mp4"), audio={"fra": french}, subtitles={"en": sources.srt()}
    )
    asset = pipeline.wait(asset_id)
    assert asset.status == "ready", (asset.failed_step, asset.error)
    return asset


def keys(storage: ObjectStore, prefix: str) -> list[str]:
    return [info.key for info in storage.list(prefix)]


def download(storage: ObjectStore, prefix: str, into: Path) -> Path:
    for key in keys(storage, prefix):
        path = into / key.removeprefix(prefix)
        path.parent.mkdir(parents=True, exist_ok=True)
        storage.download_to(key, str(path))
    return into


def test_ingest_makes_a_ready_asset(pipeline: Pipeline, ready: AssetOut) -> None:
    assert ready.duration_s == pytest.approx(4.0, abs=0.1)
    assert [(r.name, r.width, r.height) for r in ready.renditions] == [
        ("180p", 320, 180),
        ("144p", 256, 144),
    ]
    assert all(r.vmaf is not None and 20 < r.vmaf <= 100 for r in ready.renditions)
    assert all(r.bitrate_kbps > 0 for r in ready.renditions)
    assert ready.qc is not None
    assert ready.qc["passed"]
    assert ready.audio_languages == ["und", "fra"]
    assert ready.subtitle_languages == ["en"]
    assert {s.name: s.status for s in ready.steps} == {
        "probe": "succeeded",
        "qc": "succeeded",
        "encode:180p": "succeeded",
        "encode:144p": "succeeded",
        "encode:audio:1": "succeeded",
        "package": "succeeded",
        "thumbnails": "succeeded",
    }
    for step in ready.steps:
        assert step.attempts == 1
        assert step.started_at is not None
        assert step.finished_at is not None
        assert step.duration_s is not None
        assert step.log
    assert len(ready.key_ids) == 2  # SD (144p and the audio) and HD (180p)
    assert [r.key_id for r in ready.renditions] == ready.key_ids[::-1]


def test_outputs_are_in_the_object_store_under_the_asset(
    pipeline: Pipeline, ready: AssetOut
) -> None:
    prefix = service.asset_prefix(ready.id)
    stored = keys(pipeline.storage, prefix)
    assert ready.dash == f"{prefix}manifest.mpd"
    assert ready.dash in stored
    assert ready.hls == f"{prefix}master.m3u8"
    assert ready.hls in stored
    names = [k.removeprefix(prefix) for k in stored]
    inits = [n for n in names if n.rpartition("/")[2].startswith("init-")]
    assert sorted(n.rpartition("/")[0] for n in inits) == [  # two audio languages
        "audio",
        "audio",
        "video/144p",
        "video/180p",
    ]
    assert any(n.startswith("video/180p/seg-") for n in names)
    assert "text/subtitles-0.vtt" in names
    assert "text/subtitles-0.m3u8" in names
    assert {"thumbs/poster.jpg", "thumbs/thumbnails.vtt", "thumbs/sprite-000.jpg"} <= set(names)
    assert ready.poster == f"{prefix}thumbs/poster.jpg"
    mpd = pipeline.storage.get_bytes(ready.dash).decode()
    assert "cenc:default_KID" in mpd
    assert 'lang="fra"' in mpd
    assert work_files_removed(pipeline.storage, ready.id)


def work_files_removed(storage: ObjectStore, asset_id: str, within_s: float = 30) -> bool:
    """The package job removes the work files right after committing "ready"."""
    deadline = time.monotonic() + within_s
    while keys(storage, service.work_prefix(asset_id)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_asset_ready_is_published_once(pipeline: Pipeline, ready: AssetOut) -> None:
    deadline = time.monotonic() + 10
    while not pipeline.events_for("media.asset_ready", ready.id) and time.monotonic() < deadline:
        time.sleep(0.05)
    [event] = pipeline.events_for("media.asset_ready", ready.id)
    payload = event.payload
    assert payload["title_id"] == "title-1"
    assert payload["duration_s"] == ready.duration_s
    assert [r["height"] for r in payload["renditions"]] == [180, 144]
    assert payload["audio_languages"] == ["und", "fra"]
    assert payload["subtitle_languages"] == ["en"]
    assert payload["poster_key"] == ready.poster
    assert payload["key_ids"] == ready.key_ids
    assert pipeline.events_for("media.asset_failed", ready.id) == []


def test_api_shows_the_asset(pipeline: Pipeline, ready: AssetOut) -> None:
    from fastapi.testclient import TestClient

    from marquee.app import create_app

    def bearer(client: TestClient, role: Role) -> dict[str, str]:
        email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
        with pipeline.platform.db.transaction() as session:
            identity.register_account(
                session,
                settings=pipeline.platform.settings,
                email=email,
                password=PASSWORD,
                role=role,
                verified=True,
            )
        login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        return {"Authorization": f"Bearer {login.json()['access_token']}"}

    app = create_app(pipeline.platform.settings, platform=pipeline.platform)
    with TestClient(app) as client:
        editor, viewer = bearer(client, "editor"), bearer(client, "viewer")
        body = client.get(f"/api/v1/media/assets/{ready.id}", headers=editor).json()
        missing = client.get("/api/v1/media/assets/nope", headers=editor)
        refused = client.get(f"/api/v1/media/assets/{ready.id}", headers=viewer)
        client.cookies.clear()
        anonymous = client.get(f"/api/v1/media/assets/{ready.id}")
    assert (refused.status_code, anonymous.status_code) == (403, 401)
    assert body["status"] == "ready"
    assert body["qc"]["passed"] is True
    assert [s["name"] for s in body["steps"]][:2] == ["probe", "qc"]
    assert body["renditions"][0]["vmaf"] == ready.renditions[0].vmaf
    assert missing.status_code == 404


def test_package_decodes_with_the_content_key_from_the_key_store(
    pipeline: Pipeline, ready: AssetOut, sources: Sources, tmp_path: Path
) -> None:
    local = download(pipeline.storage, service.asset_prefix(ready.id), tmp_path / "pkg")
    settings = pipeline.platform.settings
    with pipeline.platform.db.sessions() as session:
        key = service.content_key(session, settings=settings, kid=ready.key_ids[0])
        own = [
            service.content_key(session, settings=settings, kid=str(r.key_id))
            for r in ready.renditions
        ]
        manifests = service.asset_manifests(session, asset_id=ready.id)
    assert key is not None
    assert manifests.encrypted
    source = probe(sources.path("h264_aac.mp4"))
    assert source.video is not None
    options = ["-allowed_extensions", "ALL", "-cenc_decryption_key", key.key_hex]
    mpd = str(local / "manifest.mpd")
    for n, rendition in enumerate(ready.renditions):
        rendition_key = own[n]
        assert rendition_key is not None
        decrypt = ["-allowed_extensions", "ALL", "-cenc_decryption_key", rendition_key.key_hex]
        dash = frame_hashes(tmp_path, mpd, *decrypt, stream=f"0:v:{n}")
        playlist = f"video/{rendition.name}/media_{n}.m3u8"
        hls = hls_as_mp4(local, playlist, tmp_path / f"hls{n}.mp4")
        assert frame_hashes(tmp_path, str(hls), "-decryption_key", rendition_key.key_hex) == dash
        assert len(dash) == source.video.frame_count == 100
        assert len(dash) / source.video.fps == pytest.approx(source.duration_s, abs=0.05)
    audio = frame_hashes(tmp_path, mpd, *options, stream="0:a:1")
    assert len(audio) > 150  # 4 s of AAC frames at 48 kHz


def test_a_wrong_key_does_not_decode(pipeline: Pipeline, ready: AssetOut, tmp_path: Path) -> None:
    local = download(pipeline.storage, service.asset_prefix(ready.id), tmp_path / "pkg")
    hls = hls_as_mp4(local, "video/144p/media_1.m3u8", tmp_path / "hls.mp4")
    with pipeline.platform.db.sessions() as session:
        key = service.content_key(
            session, settings=pipeline.platform.settings, kid=ready.key_ids[0]
        )
    assert key is not None
    right = frame_hashes(tmp_path, str(hls), "-decryption_key", key.key_hex)
    assert not pictures_with_a_wrong_key(tmp_path, str(hls)) & set(right)


def test_content_keys_are_stored_wrapped(pipeline: Pipeline, ready: AssetOut) -> None:
    from marquee.media.models import ContentKeyRow

    with pipeline.platform.db.sessions() as session:
        row = session.get(ContentKeyRow, ready.key_ids[0])
        key = service.content_key(
            session, settings=pipeline.platform.settings, kid=ready.key_ids[0]
        )
        assert service.asset_key_ids(session, asset_id=ready.id) == ready.key_ids
        assert (
            service.content_key(session, settings=pipeline.platform.settings, kid="0" * 32) is None
        )
    assert row is not None
    assert key is not None
    assert len(row.wrapped_key) == 24
    assert bytes.fromhex(key.key_hex) not in row.wrapped_key


def test_temporary_directories_are_removed(pipeline: Pipeline, ready: AssetOut) -> None:
    temp_root = Path(pipeline.platform.settings.media_temp_dir)
    assert list(temp_root.iterdir()) == []


def test_each_stage_is_enqueued_once(pipeline: Pipeline, ready: AssetOut) -> None:
    with pipeline.platform.db.sessions() as session:
        runs = [r for r in session.scalars(select(JobRun)) if r.args.get("asset_id") == ready.id]
    names = sorted(r.name for r in runs)
    assert names == sorted(
        [
            "media.analyse",
            "media.encode_rendition",
            "media.encode_rendition",
            "media.encode_audio",
            "media.package",
        ]
    )
    assert all(r.state == "succeeded" for r in runs)


def _context(platform: Platform, name: str, attempt: int = 2) -> JobContext:
    return JobContext(
        job_id=uuid.uuid4().hex, name=name, attempt=attempt, services=platform, db=platform.db
    )


def test_a_redelivered_job_changes_nothing(pipeline: Pipeline, ready: AssetOut) -> None:
    """At least once: running every stage again after success is a no-op."""
    platform = pipeline.platform
    before = sorted((i.key, i.etag) for i in platform.storage.list(f"assets/{ready.id}/"))
    analyse(_context(platform, "media.analyse"), asset_id=ready.id)
    encode_rendition_job(
        _context(platform, "media.encode_rendition"), asset_id=ready.id, rendition="180p"
    )
    package_job(_context(platform, "media.package"), asset_id=ready.id)
    with platform.db.sessions() as session:
        again = service.get_asset(session, asset_id=ready.id)
    assert again.model_dump() == ready.model_dump()
    assert sorted((i.key, i.etag) for i in platform.storage.list(f"assets/{ready.id}/")) == before
    time.sleep(0.5)
    assert len(pipeline.events_for("media.asset_ready", ready.id)) == 1


def test_a_step_run_twice_before_it_is_recorded_is_idempotent(
    pipeline: Pipeline, ready: AssetOut
) -> None:
    """A crash after the work but before the commit: the step runs again, outputs are
    overwritten under the same keys and the next stage is not enqueued a second time."""
    platform = pipeline.platform
    with platform.db.transaction() as session:
        step = session.scalars(
            select(AssetStep).where(AssetStep.asset_id == ready.id, AssetStep.name == "encode:144p")
        ).one()
        step.status = "running"
        from marquee.media.models import Asset

        asset = session.get(Asset, ready.id)
        assert asset is not None
        asset.status = "processing"
    try:
        encode_rendition_job(
            _context(platform, "media.encode_rendition"), asset_id=ready.id, rendition="144p"
        )
        with platform.db.sessions() as session:
            again = service.get_asset(session, asset_id=ready.id)
            packages = [
                r
                for r in session.scalars(select(JobRun).where(JobRun.name == "media.package"))
                if r.args.get("asset_id") == ready.id
            ]
        step_after = next(s for s in again.steps if s.name == "encode:144p")
        assert step_after.status == "succeeded"
        assert step_after.attempts == 2
        assert len(packages) == 1, "the package step was already queued: not enqueued again"
        assert keys(platform.storage, service.work_prefix(ready.id)) == [
            f"work/{ready.id}/video-144p.mp4"
        ]
    finally:
        with platform.db.transaction() as session:
            asset = session.get(Asset, ready.id)
            assert asset is not None
            asset.status = "ready"
        platform.storage.delete_prefix(service.work_prefix(ready.id))


@pytest.mark.parametrize(
    ("name", "step", "reason"),
    [
        ("not_media.mp4", "probe", "not a readable media file"),
        ("truncated.mp4", "qc", "truncated"),
        ("too_short.mp4", "qc", "duration"),
    ],
)
def test_a_bad_source_fails_at_its_step_and_publishes_nothing(
    pipeline: Pipeline, sources: Sources, name: str, step: str, reason: str
) -> None:
    path = sources.root / name
    if name == "not_media.mp4":
        path.write_text("this is a text file, not a video\n" * 50)
    elif name == "truncated.mp4":
        whole = sources.root / "faststart.mp4"
        args = ["-i", str(sources.path("h264_aac.mp4")), "-c", "copy", "-movflags", "+faststart"]
        run_ffmpeg([*args, str(whole)], step="fixture")
        data = whole.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    else:
        args = ["-f", "lavfi", "-i", "testsrc2=s=160x90:d=0.4", "-c:v", "libx264"]
        run_ffmpeg([*args, "-preset", "ultrafast", str(path)], step="fixture")
    asset = pipeline.wait(pipeline.ingest(path))
    assert asset.status == "failed"
    assert asset.failed_step == step
    assert asset.error is not None
    assert reason in asset.error
    failed = next(s for s in asset.steps if s.name == step)
    assert failed.status == "failed"
    assert failed.error == asset.error
    assert keys(pipeline.storage, service.asset_prefix(asset.id)) == []
    assert keys(pipeline.storage, service.work_prefix(asset.id)) == []
    time.sleep(0.3)
    assert pipeline.events_for("media.asset_ready", asset.id) == []
    [event] = pipeline.events_for("media.asset_failed", asset.id)
    assert event.payload["step"] == step


def test_a_long_source_is_encoded_in_chunks_and_joined(tmp_path: Path, sources: Sources) -> None:
    settings = media_settings(tmp_path, MARQUEE_MEDIA_CHUNK_S="2")
    platform = build_platform(settings)
    running = Pipeline(platform)
    platform.start(worker=True, short_threads=1, long_threads=2)
    try:
        asset = running.wait(running.ingest(sources.path("h264_aac.mp4"), clear=True))
    finally:
        platform.stop()
    assert asset.status == "ready", (asset.failed_step, asset.error)
    names = {s.name for s in asset.steps}
    assert {"encode:180p:chunk0", "encode:180p:chunk1", "encode:audio:0", "encode:180p"} <= names
    assert not asset.key_ids
    mpd = str(download(platform.storage, f"assets/{asset.id}/", tmp_path / "pkg") / "manifest.mpd")
    assert len(frame_hashes(tmp_path, mpd)) == 100
    assert len(frame_hashes(tmp_path, mpd, stream="0:a:0")) > 150


@pytest.fixture(scope="module")
def ladder_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """Ladder mode: one job, one decode of the source for encodes, QC and thumbnails."""
    root = tmp_path_factory.mktemp("ladder")
    yield from running_pipeline(root, MARQUEE_MEDIA_ENCODE_JOBS="ladder")


@pytest.fixture(scope="module")
def ladder_ready(ladder_pipeline: Pipeline, sources: Sources) -> AssetOut:
    """Black from 1 to 4 s, silence from 2 to 5 s, and a second source audio track."""
    two_tracks = sources.root / "two_tracks_black.mkv"
    if not two_tracks.exists():
        args = ["-i", str(sources.path("long_black_and_silence.mp4")), "-f", "lavfi"]
        args += ["-i", "sine=f=880:d=6", "-map", "0:v", "-map", "0:a", "-map", "1:a", "-c:v"]
        args += ["copy", "-c:a", "aac", "-metadata:s:a:1", "language=fra", str(two_tracks)]
        run_ffmpeg(args, step="fixture")
    asset = ladder_pipeline.wait(ladder_pipeline.ingest(two_tracks))
    assert asset.status == "ready", (asset.failed_step, asset.error)
    return asset


def test_ladder_mode_encodes_every_rendition_in_one_job(
    ladder_pipeline: Pipeline, ladder_ready: AssetOut
) -> None:
    with ladder_pipeline.platform.db.sessions() as session:
        jobs = sorted(
            r.name
            for r in session.scalars(select(JobRun))
            if r.args.get("asset_id") == ladder_ready.id
        )
    assert jobs == ["media.analyse", "media.encode_ladder", "media.package"]
    assert [r.name for r in ladder_ready.renditions] == ["180p", "144p"]
    assert all(r.vmaf is not None and 20 < r.vmaf <= 100 for r in ladder_ready.renditions)
    assert [s.name for s in ladder_ready.steps][:2] == ["probe", "qc"]
    assert {s.name for s in ladder_ready.steps} >= {"encode:audio:1", "thumbnails", "package"}
    assert all(s.status == "succeeded" and s.attempts == 1 for s in ladder_ready.steps)
    assert ladder_ready.audio_languages == ["und", "fra"]
    prefix = service.asset_prefix(ladder_ready.id)
    names = {k.removeprefix(prefix) for k in keys(ladder_pipeline.storage, prefix)}
    assert {"thumbs/poster.jpg", "thumbs/thumbnails.vtt", "thumbs/sprite-000.jpg"} <= names
    assert work_files_removed(ladder_pipeline.storage, ladder_ready.id)


def test_ladder_mode_checks_the_source_on_the_encodes_decode(ladder_ready: AssetOut) -> None:
    qc = ladder_ready.qc
    assert qc is not None
    assert qc["passed"] is True
    [black] = qc["black_segments"]
    assert (black["start_s"], black["end_s"]) == (
        pytest.approx(1.0, abs=0.1),
        pytest.approx(4.0, abs=0.1),
    )
    [silence] = qc["silent_segments"]
    assert (silence["start_s"], silence["end_s"]) == (
        pytest.approx(2.0, abs=0.1),
        pytest.approx(5.0, abs=0.1),
    )
    assert [w.split(" from ")[0] for w in qc["warnings"]] == ["black", "silence"]
    assert [m["track_index"] for m in qc["loudness"]] == [1, 2]
    assert qc["decoded_duration_s"] == pytest.approx(6.0, abs=0.1)


def test_ladder_mode_package_decodes_with_normalised_audio(
    ladder_pipeline: Pipeline, ladder_ready: AssetOut, tmp_path: Path
) -> None:
    local = download(
        ladder_pipeline.storage, service.asset_prefix(ladder_ready.id), tmp_path / "pkg"
    )
    with ladder_pipeline.platform.db.sessions() as session:
        key = service.content_key(
            session, settings=ladder_pipeline.platform.settings, kid=ladder_ready.key_ids[0]
        )
    assert key is not None
    mpd = str(local / "manifest.mpd")
    assert (
        len(frame_hashes(tmp_path, mpd, "-cenc_decryption_key", key.key_hex, stream="0:v:1")) == 150
    )
    for n, playlist in enumerate(["audio/media_2.m3u8", "audio/media_3.m3u8"]):
        wav = tmp_path / f"audio{n}.wav"
        hls = hls_as_mp4(local, playlist, tmp_path / f"audio{n}.mp4")
        run_ffmpeg(["-decryption_key", key.key_hex, "-i", str(hls), str(wav)], step="client")
        [loudness] = run_qc(wav, probe(wav)).loudness
        assert loudness.integrated_lufs == pytest.approx(TARGET_LUFS, abs=1.0)


def test_ladder_mode_rejects_a_truncated_source_at_qc(
    ladder_pipeline: Pipeline, sources: Sources
) -> None:
    whole = sources.root / "faststart-ladder.mp4"
    args = ["-i", str(sources.path("h264_aac.mp4")), "-c", "copy", "-movflags", "+faststart"]
    run_ffmpeg([*args, str(whole)], step="fixture")
    path = sources.root / "truncated-ladder.mp4"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    asset = ladder_pipeline.wait(ladder_pipeline.ingest(path))
    assert (asset.status, asset.failed_step) == ("failed", "qc")
    assert asset.error is not None
    assert "truncated" in asset.error
    assert asset.qc is not None
    assert asset.qc["passed"] is False
    encodes = [s for s in asset.steps if s.name.startswith("encode:")]
    assert encodes
    assert all(s.status == "failed" and s.error is not None for s in encodes)
    assert keys(ladder_pipeline.storage, service.asset_prefix(asset.id)) == []
    assert keys(ladder_pipeline.storage, service.work_prefix(asset.id)) == []
    time.sleep(0.3)
    assert ladder_pipeline.events_for("media.asset_ready", asset.id) == []
    [event] = ladder_pipeline.events_for("media.asset_failed", asset.id)
    assert event.payload["step"] == "qc"


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [MARQUEE, "worker", "--short-threads", "1", "--long-threads", "1"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_worker_killed_mid_encode_is_replaced_and_the_asset_completes(
    tmp_path: Path, sources: Sources
) -> None:
    extra = {
        "MARQUEE_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}?lease_s=2",
        "MARQUEE_MEDIA_PRESET": "veryslow",
        # The killed encode's step is taken again once its claim runs out (15 s by default).
        "MARQUEE_MEDIA_STEP_LEASE_S": "4",
    }
    env = media_env(tmp_path, **extra)
    settings = media_settings(tmp_path, **extra)
    platform = build_platform(settings)
    first = _worker(env)
    second = None
    try:
        asset_id = Pipeline(platform).ingest(sources.path("h264_aac.mp4"))
        killed = _wait_for_running_encode(platform, asset_id)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        second = _worker(env)
        asset = wait_for_asset(platform, asset_id)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)
        platform.stop()
    assert asset.status == "ready", (asset.failed_step, asset.error)
    step = next(s for s in asset.steps if s.name == killed)
    assert step.attempts == 2, "the killed encode ran again in the second worker"


def _wait_for_running_encode(platform: Platform, asset_id: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with platform.db.sessions() as session:
            running = session.scalars(
                select(AssetStep).where(
                    AssetStep.asset_id == asset_id,
                    AssetStep.name.like("encode:%"),
                    AssetStep.status == "running",
                )
            ).first()
            if running is not None:
                return running.name
        time.sleep(0.02)
    pytest.fail("no encode started")


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MARQUEE, "ingest", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cli_json_output(tmp_path: Path, sources: Sources) -> None:
    done = _cli(media_env(tmp_path), str(sources.path("h264_aac.mp4")), "--title", "T", "--json")
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    assert set(result) == {
        "asset_id",
        "title_id",
        "status",
        "duration_s",
        "renditions",
        "dash",
        "hls",
        "qc",
    }
    assert result["status"] == "ready"
    assert result["dash"] == f"assets/{result['asset_id']}/manifest.mpd"
    assert result["hls"] == f"assets/{result['asset_id']}/master.m3u8"
    assert [set(r) for r in result["renditions"]] == [
        {"height", "width", "bitrate_kbps", "vmaf"}
    ] * 2
    assert result["qc"]["passed"] is True
    objects = tmp_path / "var" / "objects" / "assets" / result["asset_id"]
    assert (objects / "manifest.mpd").is_file()


def test_cli_failure_exits_1_with_one_line(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.mov"
    bogus.write_text("not a movie\n")
    done = _cli(media_env(tmp_path), str(bogus), "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["status"] == "failed"
    [line] = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
    assert line.startswith("error: ingest failed at step probe: ")
    assert "not a readable media file" in line


@pytest.mark.integration
def test_the_pipeline_runs_on_s3(
    tmp_path: Path, sources: Sources, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.server import ThreadedMotoServer

    from marquee.kit.storage import S3ObjectStore
    from tests.integration.kit.test_storage_contract import free_port, s3_url

    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        url = s3_url(f"http://127.0.0.1:{port}", "media")
        settings = media_settings(tmp_path, MARQUEE_STORAGE_URL=url)
        platform = build_platform(settings)
        assert isinstance(platform.storage, S3ObjectStore)
        platform.storage.create_bucket()
        running = Pipeline(platform)
        platform.start(worker=True, short_threads=1, long_threads=2)
        try:
            asset = running.wait(running.ingest(sources.path("h264_aac.mp4")))
            stored = keys(platform.storage, f"assets/{asset.id}/")
            cleaned = work_files_removed(platform.storage, asset.id)
        finally:
            platform.stop()
    finally:
        server.stop()
    assert asset.status == "ready", (asset.failed_step, asset.error)
    assert f"assets/{asset.id}/manifest.mpd" in stored
    assert cleaned
