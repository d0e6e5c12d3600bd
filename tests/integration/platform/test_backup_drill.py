"""The restore drill: a platform with an ingested, encrypted title is backed up with
``marquee backup create``, restored with ``marquee backup restore`` onto an empty data dir
(SQLite) or an empty PostgreSQL database, and the restored platform plays the title end to end:
playback session, manifest, licence, every frame decrypted. Prints the RPO and RTO figures that
docs/operations.md quotes ("Backup and restore")."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from marquee import migrate
from marquee.app import create_app
from marquee.cli.main import app as marquee
from marquee.identity import service as identity
from marquee.runtime import build_platform
from marquee.settings import Settings, load_settings
from tests.conftest import empty_database
from tests.integration.media.conftest import Sources
from tests.integration.media.test_pipeline import media_env, wait_for_asset
from tests.integration.playback.conftest import (
    World,
    _ingest,
    _publish,
    _title,
    _wait_attached,
    free_port,
)
from tests.integration.playback.test_playback import frames, key_ids, licence, started
from tests.services import POSTGRES_URL

pytestmark = pytest.mark.slow
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]


@dataclass
class Original:
    """The backed-up platform: its settings, one published encrypted title, its viewer."""

    env: dict[str, str]
    title_id: str
    viewer_email: str


def marquee_command(env: dict[str, str], *args: str) -> dict[str, object]:
    """Run ``marquee ARGS`` with ``env`` as the environment; its JSON line."""
    result = CliRunner().invoke(marquee, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def settings_of(env: dict[str, str]) -> Settings:
    """The settings ``env`` gives, as the command reads them from the environment."""
    overrides: dict[str, object] = {k.removeprefix("MARQUEE_").lower(): v for k, v in env.items()}
    overrides["media_ladder"] = json.loads(env["MARQUEE_MEDIA_LADDER"])
    return load_settings(**overrides)


@contextmanager
def serving(env: dict[str, str]) -> Iterator[World]:
    """The platform of ``env`` served over HTTP at its MARQUEE_PUBLIC_URL's port."""
    settings = settings_of(env)
    platform = build_platform(settings)
    platform.start(worker=True, short_threads=1, long_threads=2)
    app = create_app(settings, platform=platform)
    app.state.platform = platform
    port = int(env["MARQUEE_PUBLIC_URL"].rsplit(":", 1)[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    world = World(platform, app, "", "", "", "")
    try:
        yield world
    finally:
        for client in world.clients:
            client.close()
        server.should_exit = True
        thread.join(10)
        platform.stop()


def platform_env(root: Path, database_url: str | None) -> dict[str, str]:
    extra = {"MARQUEE_PUBLIC_URL": f"http://127.0.0.1:{free_port()}"}
    if database_url is not None:
        extra["MARQUEE_DATABASE_URL"] = database_url
    return media_env(root, **extra)


@pytest.fixture(scope="module", params=BACKENDS)
def databases(request: pytest.FixtureRequest) -> Iterator[tuple[str | None, str | None]]:
    """The original's and the restore target's database URLs (None: SQLite in the data dir)."""
    if request.param == "sqlite":
        yield None, None
        return
    with ExitStack() as stack:
        original = stack.enter_context(empty_database(POSTGRES_URL, "postgresql"))
        target = stack.enter_context(empty_database(POSTGRES_URL, "postgresql"))
        yield original, target


@pytest.fixture(scope="module")
def original(
    databases: tuple[str | None, str | None], tmp_path_factory: pytest.TempPathFactory
) -> Original:
    env = platform_env(tmp_path_factory.mktemp("original"), databases[0])
    migrate.upgrade(settings_of(env).resolved_database_url)
    clip = Sources(tmp_path_factory.mktemp("sources")).path("h264_aac.mp4")
    with serving(env) as world:
        editor = world.viewer(None, role="editor")
        title_id = _title(editor)
        asset_id = _ingest(world.platform, clip, title_id)
        assert wait_for_asset(world.platform, asset_id).status == "ready"
        _wait_attached(editor, title_id)
        _publish(editor, title_id, ["WORLD"])
        viewer_email = "drill@example.com"
        world.viewer("standard", email=viewer_email)
    return Original(env, title_id, viewer_email)


def test_a_restored_platform_plays_the_encrypted_title(
    original: Original,
    databases: tuple[str | None, str | None],
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
) -> None:
    backup_dir = tmp_path / "backup"
    taken = marquee_command(original.env, "backup", "create", str(backup_dir))
    assert taken["content_keys"] == 2  # the SD and the HD key of the title's asset
    late_email = "after-the-backup@example.com"
    with serving(original.env) as world:
        world.viewer("standard", email=late_email)  # a write after the backup: not in it

    target = platform_env(tmp_path_factory.mktemp("restored"), databases[1])
    began = time.monotonic()
    restored = marquee_command(target, "backup", "restore", str(backup_dir))
    with serving(target) as world:
        assert httpx.get(f"{target['MARQUEE_PUBLIC_URL']}/readyz").status_code == 200
        rto_s = time.monotonic() - began
        viewer = world.sign_in(original.viewer_email)
        session = started(viewer, original.title_id)
        mpd = httpx.get(session["manifests"]["dash"]).text
        answer = licence(viewer, session, key_ids(mpd))
        assert answer.status_code == 200, answer.text
        key = base64.urlsafe_b64decode(answer.json()["keys"][0]["k"] + "==").hex()
        decoded = frames(tmp_path, session["manifests"]["dash"], "-cenc_decryption_key", key)
        assert len(decoded) == 100  # 4 s at 25 frames/s, every one decrypted
        with world.platform.db.sessions() as db_session:
            assert not identity.account_exists(db_session, email=late_email)
    print(
        f"\nrestore drill ({(databases[1] and 'postgresql') or 'sqlite'}): backup "
        f"{taken['seconds']} s for {taken['objects']} objects; restore {restored['seconds']} s; "
        f"restore + start until /readyz answers 200 (RTO) {rto_s:.2f} s; "
        "RPO: the writes after the backup began"
    )
