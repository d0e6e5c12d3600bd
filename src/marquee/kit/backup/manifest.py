"""``manifest.json``: what a backup holds, the versions it was taken at, and a checksum of
every file, checked before a restore writes anything."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup that cannot be taken or restored; the message says why and what to do."""


class FileEntry(BaseModel):
    size: int
    sha256: str


class ObjectEntry(BaseModel):
    key: str
    size: int
    etag: str
    #: Set when the object's bytes are in the backup (``objects/<key>``).
    sha256: str | None = None


class Manifest(BaseModel):
    format: int = FORMAT
    marquee_version: str
    alembic_revision: str | None
    created_at: datetime
    database_backend: str
    database_file: str
    storage_url: str
    objects_included: bool
    objects: list[ObjectEntry]
    content_keys: int
    kek_ids: list[str]
    secret_included: bool
    files: dict[str, FileEntry]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(path: Path) -> FileEntry:
    return FileEntry(size=path.stat().st_size, sha256=sha256_of(path))


def write_manifest(root: Path, manifest: Manifest) -> None:
    (root / MANIFEST).write_text(manifest.model_dump_json(indent=2))


def read_verified(root: Path) -> Manifest:
    """The backup's manifest once every file it lists has its size and checksum; else
    :class:`BackupError` naming the first damaged or missing file."""
    path = root / MANIFEST
    if not path.is_file():
        raise BackupError(f"{root} is not a Marquee backup: it has no {MANIFEST}")
    try:
        manifest = Manifest.model_validate_json(path.read_text())
    except ValidationError as exc:
        raise BackupError(f"{path} is damaged: {exc.errors()[0]['msg']}") from None
    if manifest.format != FORMAT:
        raise BackupError(f"{path}: backup format {manifest.format}, this Marquee reads {FORMAT}")
    for name, expected in manifest.files.items():
        file = root / name
        if not file.is_file():
            raise BackupError(f"the backup is damaged: {name} is missing")
        if file.stat().st_size != expected.size or sha256_of(file) != expected.sha256:
            raise BackupError(f"the backup is damaged: {name} does not match its checksum")
    return manifest
