"""Take a backup into a new directory, and restore one onto an empty platform."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from marquee import __version__
from marquee.kit.backup import database, objects
from marquee.kit.backup.manifest import (
    BackupError,
    Manifest,
    file_entry,
    read_verified,
    write_manifest,
)
from marquee.kit.storage import ObjectStore, open_object_store
from marquee.settings import SECRET_KEY_FILE, Settings

CONTENT_KEYS = "content-keys.json"


def create_backup(
    settings: Settings,
    dest: Path,
    *,
    content_keys: list[dict[str, str]],
    include_objects: bool = True,
) -> Manifest:
    """Back the platform up into ``dest`` (a new directory). It is written beside ``dest`` and
    renamed when complete, so a directory named ``dest`` is always a whole backup.

    The database is dumped first, then the objects listed: every object a dumped row names is
    in the manifest. ``content_keys`` are the key store's rows, still wrapped by the KEK.
    """
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} exists and is not empty: name a new directory")
    partial = dest.with_name(f".{dest.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        manifest = _write(settings, partial, content_keys, include_objects)
        if dest.exists():
            dest.rmdir()
        partial.rename(dest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _write(
    settings: Settings, root: Path, content_keys: list[dict[str, str]], include_objects: bool
) -> Manifest:
    url = settings.resolved_database_url
    revision, _ = database.revision_and_emptiness(url)
    database_file = database.dump(url, root)
    store = open_object_store(settings.resolved_storage_url)
    entries = objects.snapshot(store, root, copy=include_objects)
    (root / CONTENT_KEYS).write_text(json.dumps(content_keys, indent=1))
    secret = _platform_secret_file(settings)
    if secret is not None:
        shutil.copyfile(secret, root / SECRET_KEY_FILE)
        (root / SECRET_KEY_FILE).chmod(0o600)
    names = [database_file, CONTENT_KEYS] + ([SECRET_KEY_FILE] if secret else [])
    manifest = Manifest(
        marquee_version=__version__,
        alembic_revision=revision,
        created_at=datetime.now(UTC),
        database_backend=database.backend_of(url),
        database_file=database_file,
        storage_url=settings.resolved_storage_url,
        objects_included=include_objects,
        objects=entries,
        content_keys=len(content_keys),
        kek_ids=sorted({key["kek_id"] for key in content_keys}),
        secret_included=secret is not None,
        files={name: file_entry(root / name) for name in names},
    )
    write_manifest(root, manifest)
    return manifest


def _platform_secret_file(settings: Settings) -> Path | None:
    """The generated secret in the data dir, when it is the platform's secret (development):
    the KEK derives from it, so the backup keeps it as the data dir does. A secret from the
    environment (``MARQUEE_SECRET_KEY``, ``MARQUEE_MASTER_KEY``) is never written to a backup."""
    path = settings.data_dir / SECRET_KEY_FILE
    from_env = settings.secret_key is not None or settings.master_key is not None
    return None if from_env or not path.is_file() else path


def restore_backup(
    settings: Settings,
    src: Path,
    *,
    kek_id_of: Callable[[Settings], str],
    force: bool = False,
) -> Manifest:
    """Restore the backup in ``src`` onto the platform of ``settings``.

    Everything is checked before anything is written: the checksums, that this platform's KEK
    (``kek_id_of``) unwraps the backed-up content keys, and that the database and store are
    empty (``force`` replaces what they hold). Migrating forward is the caller's next step.
    """
    manifest = read_verified(src)
    if manifest.objects_included:
        objects.verify_copies(src, manifest.objects)
    secret = (src / SECRET_KEY_FILE).read_text() if manifest.secret_included else None
    _check_keys(manifest, _with_secret(settings, secret), kek_id_of)
    store = open_object_store(settings.resolved_storage_url)
    _check_target(settings, manifest, store, secret, force=force)
    if secret is not None and settings.secret_key is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        (settings.data_dir / SECRET_KEY_FILE).write_text(secret)
        (settings.data_dir / SECRET_KEY_FILE).chmod(0o600)
    url = settings.resolved_database_url
    database.restore(url, src / manifest.database_file, replace=force)
    if manifest.objects_included:
        objects.put_back(store, src, manifest.objects)
    return manifest


def _with_secret(settings: Settings, secret: str | None) -> Settings:
    """The settings as they will be once the backed-up secret is in the data dir."""
    if secret is None or settings.secret_key is not None:
        return settings
    return settings.model_copy(update={"secret_key": SecretStr(secret.strip())})


def _check_keys(
    manifest: Manifest, settings: Settings, kek_id_of: Callable[[Settings], str]
) -> None:
    if not manifest.kek_ids:
        return
    kek_id = kek_id_of(settings)
    foreign = set(manifest.kek_ids) - {kek_id}
    if foreign:
        raise BackupError(
            f"the backup's content keys are wrapped by KEK {', '.join(sorted(foreign))}, this "
            f"platform's KEK is {kek_id}: set MARQUEE_MASTER_KEY (or MARQUEE_SECRET_KEY) as on "
            "the platform that was backed up, or no encrypted title will play"
        )


def _check_target(
    settings: Settings, manifest: Manifest, store: ObjectStore, secret: str | None, *, force: bool
) -> None:
    problems: list[str] = []
    _, empty = database.revision_and_emptiness(settings.resolved_database_url)
    if not empty:
        problems.append("the database is not empty")
    if manifest.objects_included and not objects.is_empty(store):
        problems.append("the object store is not empty")
    existing = settings.data_dir / SECRET_KEY_FILE
    replaced = secret is not None and settings.secret_key is None and existing.is_file()
    if replaced and existing.read_text().strip() != (secret or "").strip():
        problems.append(f"{existing} holds another secret")
    if problems and not force:
        raise BackupError(
            f"{'; '.join(problems)}: restore onto an empty data dir and database, "
            "or pass --force to replace what is there"
        )
    if not manifest.objects_included:
        missing = objects.missing_from(store, manifest.objects)
        if missing:
            raise BackupError(
                f"the object store lacks {len(missing)} of the backup's objects (first: "
                f"{missing[0]}): this backup holds only their list; bring the bucket back from "
                "its versioning or replica first"
            )


def summary(manifest: Manifest) -> dict[str, Any]:
    """What the command prints about a backup."""
    return {
        "created_at": manifest.created_at.isoformat(),
        "marquee_version": manifest.marquee_version,
        "alembic_revision": manifest.alembic_revision,
        "database": manifest.database_backend,
        "objects": len(manifest.objects),
        "objects_included": manifest.objects_included,
        "content_keys": manifest.content_keys,
    }
