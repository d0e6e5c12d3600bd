"""``marquee backup`` with S3 storage (moto's server): a local store's objects restore into a
bucket, and a backup of a bucket taken with ``--no-objects`` restores onto the bucket as it was
kept (versioning, replica) once every object of its manifest is there."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from marquee import migrate
from marquee.kit.storage import S3ObjectStore, open_object_store
from marquee.settings import load_settings
from tests.integration.kit.test_storage_contract import (  # noqa: F401 (a fixture, used by name)
    s3_endpoint,
    s3_url,
)
from tests.integration.platform.test_backup_errors import env_of
from tests.integration.platform.test_backup_errors import run as run_marquee

pytestmark = pytest.mark.integration
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def run(data_dir: Path, storage_url: str, *args: str) -> tuple[int, str]:
    return run_marquee(env_of(data_dir, MARQUEE_STORAGE_URL=storage_url, **CREDENTIALS), *args)


def new_bucket(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty bucket on the session's moto server."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    url = s3_url(request.getfixturevalue("s3_endpoint"), f"backup-{uuid.uuid4().hex[:12]}")
    store = open_object_store(url)
    assert isinstance(store, S3ObjectStore)
    store.create_bucket()
    return url


def platform_with_an_object(data_dir: Path, storage_url: str) -> None:
    migrate.upgrade(load_settings(data_dir=data_dir, env="test").resolved_database_url)
    open_object_store(storage_url).put_bytes("assets/a/seg-1.m4s", b"segment")


def test_a_local_stores_objects_restore_into_a_bucket(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    local = f"file://{tmp_path / 'original' / 'objects'}"
    platform_with_an_object(tmp_path / "original", local)
    assert run(tmp_path / "original", local, "backup", "create", str(tmp_path / "b"))[0] == 0
    bucket = new_bucket(request, monkeypatch)

    code, output = run(tmp_path / "target", bucket, "backup", "restore", str(tmp_path / "b"))

    assert code == 0, output
    assert open_object_store(bucket).get_bytes("assets/a/seg-1.m4s") == b"segment"


def test_a_bucket_backed_up_by_its_manifest_restores_onto_the_kept_bucket(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bucket = new_bucket(request, monkeypatch)
    platform_with_an_object(tmp_path / "original", bucket)
    code, output = run(
        tmp_path / "original", bucket, "backup", "create", str(tmp_path / "b"), "--no-objects"
    )
    assert code == 0, output
    assert '"objects": 1, "objects_included": false' in output

    code, output = run(tmp_path / "target", bucket, "backup", "restore", str(tmp_path / "b"))

    assert code == 0, output
