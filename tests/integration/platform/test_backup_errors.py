"""``marquee backup restore`` refuses what would lose or mix data, saying why, and writes
nothing then: a damaged backup, a target that is not empty (unless --force), a platform whose
key-encryption key cannot unwrap the backed-up content keys, objects missing from a bucket.
A backup from an older schema is migrated forward."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from marquee import migrate
from marquee.cli.main import app as marquee
from marquee.kit.db import Database
from marquee.kit.storage import open_object_store
from marquee.media.keystore import key_store
from marquee.settings import load_settings

OTHER_MASTER_KEY = "11" * 32


def env_of(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "MARQUEE_DATA_DIR": str(data_dir),
        "MARQUEE_ENV": "test",
        "MARQUEE_LOG_JSON": "false",
        **extra,
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(marquee, list(args), env=env, catch_exceptions=False)
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    """A backup of a platform with one content key and one object."""
    env = env_of(tmp_path / "original")
    settings = load_settings(data_dir=tmp_path / "original", env="test")
    migrate.upgrade(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    with db.transaction() as session:
        key_store(settings).get_or_create(session, "asset-1")
    db.dispose()
    open_object_store(settings.resolved_storage_url).put_bytes("assets/asset-1/a.mp4", b"media")
    code, output = run(env, "backup", "create", str(tmp_path / "backup"))
    assert code == 0, output
    return tmp_path / "backup"


def test_a_damaged_backup_is_refused_and_nothing_is_written(backup: Path, tmp_path: Path) -> None:
    dump = backup / "database.sqlite"
    damaged = bytearray(dump.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    dump.write_bytes(bytes(damaged))
    target = tmp_path / "target"

    code, output = run(env_of(target), "backup", "restore", str(backup))

    assert code == 1
    assert "the backup is damaged: database.sqlite does not match its checksum" in output
    assert not target.exists()


def test_a_damaged_object_is_refused(backup: Path, tmp_path: Path) -> None:
    (backup / "objects" / "assets" / "asset-1" / "a.mp4").write_bytes(b"MEDIA")
    code, output = run(env_of(tmp_path / "target"), "backup", "restore", str(backup))
    assert code == 1
    assert "object assets/asset-1/a.mp4 does not match its checksum" in output


def test_a_directory_that_is_no_backup_is_refused(tmp_path: Path) -> None:
    code, output = run(env_of(tmp_path / "target"), "backup", "restore", str(tmp_path))
    assert code == 1
    assert "is not a Marquee backup" in output


def test_a_non_empty_target_needs_force(backup: Path, tmp_path: Path) -> None:
    env = env_of(tmp_path / "target")
    assert run(env, "backup", "restore", str(backup))[0] == 0

    code, output = run(env, "backup", "restore", str(backup))
    assert code == 1
    assert "the database is not empty; the object store is not empty" in output
    assert "--force" in output

    code, output = run(env, "backup", "restore", str(backup), "--force")
    assert code == 0, output
    store = open_object_store(f"file://{tmp_path / 'target' / 'objects'}")
    assert store.get_bytes("assets/asset-1/a.mp4") == b"media"


def test_a_platform_with_another_master_key_is_refused(backup: Path, tmp_path: Path) -> None:
    target = tmp_path / "target"
    env = env_of(target, MARQUEE_MASTER_KEY=OTHER_MASTER_KEY)

    code, output = run(env, "backup", "restore", str(backup))

    assert code == 1
    assert "content keys are wrapped by KEK" in output
    assert "MARQUEE_MASTER_KEY" in output
    assert not (target / "marquee.db").exists()


def test_the_keys_stay_wrapped_in_the_backup(backup: Path, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "original", env="test")
    db = Database(settings.resolved_database_url)
    with db.sessions() as session:
        key = key_store(settings).for_asset(session, "asset-1")
    db.dispose()
    assert key is not None
    (stored,) = json.loads((backup / "content-keys.json").read_text())
    assert stored["kid"] == key.kid_hex
    assert key.key_hex not in (backup / "content-keys.json").read_text()


def test_without_objects_a_store_missing_them_is_refused(tmp_path: Path, backup: Path) -> None:
    only_list = tmp_path / "list-only"
    code, output = run(
        env_of(tmp_path / "original"), "backup", "create", str(only_list), "--no-objects"
    )
    assert code == 0, output
    assert not (only_list / "objects").exists()

    code, output = run(env_of(tmp_path / "target"), "backup", "restore", str(only_list))

    assert code == 1
    assert (
        "the object store lacks 1 of the backup's objects (first: assets/asset-1/a.mp4)" in output
    )
    assert "versioning" in output


def test_an_older_backup_is_migrated_forward(tmp_path: Path) -> None:
    original = load_settings(data_dir=tmp_path / "original", env="test")
    scripts = ScriptDirectory.from_config(migrate.alembic_config(original.resolved_database_url))
    head = scripts.get_current_head()
    assert head is not None
    previous = scripts.get_revision(head).down_revision
    assert isinstance(previous, str)
    migrate.upgrade(original.resolved_database_url, previous)
    code, output = run(env_of(tmp_path / "original"), "backup", "create", str(tmp_path / "b"))
    assert code == 0, output
    assert json.loads(output)["alembic_revision"] == previous

    code, output = run(env_of(tmp_path / "target"), "backup", "restore", str(tmp_path / "b"))

    assert code == 0, output
    target = load_settings(data_dir=tmp_path / "target", env="test")
    migrate.ensure_current(target.resolved_database_url)


def test_a_backup_is_never_written_over_another(backup: Path, tmp_path: Path) -> None:
    code, output = run(env_of(tmp_path / "original"), "backup", "create", str(backup))
    assert code == 1
    assert "exists and is not empty" in output
