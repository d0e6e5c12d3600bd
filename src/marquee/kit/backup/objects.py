"""The object store in a backup: a manifest of every object (key, size, etag) and, when asked,
the objects' bytes under ``objects/`` with their SHA-256, restorable into any store."""

from __future__ import annotations

import hashlib
from pathlib import Path

from marquee.kit.backup.manifest import BackupError, ObjectEntry, sha256_of
from marquee.kit.storage import ObjectStore

OBJECTS_DIR = "objects"


def snapshot(store: ObjectStore, root: Path, *, copy: bool) -> list[ObjectEntry]:
    """List every object; with ``copy`` also write its bytes into ``root/objects/<key>``."""
    entries = []
    for info in store.list():
        entry = ObjectEntry(key=info.key, size=info.size, etag=info.etag)
        if copy:
            entry.sha256 = _copy_out(store, info.key, root / OBJECTS_DIR / info.key)
        entries.append(entry)
    return entries


def _copy_out(store: ObjectStore, key: str, target: Path) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with target.open("wb") as handle:
        for chunk in store.get(key):
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


def verify_copies(root: Path, entries: list[ObjectEntry]) -> None:
    """Every copied object is there with its checksum (:class:`BackupError` otherwise)."""
    for entry in entries:
        path = root / OBJECTS_DIR / entry.key
        if (
            not path.is_file()
            or path.stat().st_size != entry.size
            or sha256_of(path) != entry.sha256
        ):
            raise BackupError(
                f"the backup is damaged: object {entry.key} does not match its checksum"
            )


def missing_from(store: ObjectStore, entries: list[ObjectEntry]) -> list[str]:
    """Keys of the manifest the store lacks or holds at another size (a backup without
    objects trusts the bucket's own versioning or replication to still have them)."""
    held = {info.key: info.size for info in store.list()}
    return [e.key for e in entries if held.get(e.key) != e.size]


def is_empty(store: ObjectStore) -> bool:
    return next(iter(store.list()), None) is None


def put_back(store: ObjectStore, root: Path, entries: list[ObjectEntry]) -> None:
    for entry in entries:
        store.upload_from(str(root / OBJECTS_DIR / entry.key), entry.key)
