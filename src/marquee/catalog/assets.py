"""Sources and media: resumable uploads, ingests started from them, and the pipeline's results.

An upload's bytes go to the object store as parts (one per PATCH, each under its own key)
and its offset lives in the database, so any API node can take the next PATCH and an
interrupted upload resumes wherever it reached. When the last byte arrives the job
``catalog.assemble_upload`` concatenates the parts into one source object.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.errors import (
    IngestNotFailed,
    OffsetMismatch,
    UploadNotFinished,
    UploadTooLarge,
)
from marquee.catalog.models import (
    DRAFT,
    Artwork,
    AuditEntry,
    Episode,
    Ingest,
    Title,
    Upload,
    UploadPart,
)
from marquee.catalog.repository import title_or_404
from marquee.catalog.studio.audit import record, touched
from marquee.catalog.studio.publishing import publish_worldwide
from marquee.kit.db import after_commit, new_id, utcnow
from marquee.kit.errors import NotFound
from marquee.kit.queue import enqueue
from marquee.kit.storage import ObjectStore
from marquee.media import service as media
from marquee.media.events import AssetFailed, AssetReady

log = logging.getLogger(__name__)
ASSEMBLE_JOB = "catalog.assemble_upload"
MEDIA_ACTOR = "media"
POSTER_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


# --- resumable uploads (tus 1.0 core + creation) ---------------------------------------------


def create_upload(
    session: Session, *, actor: str, length: int, metadata: dict[str, str], max_bytes: int
) -> Upload:
    if length > max_bytes:
        raise UploadTooLarge(f"Uploads are limited to {max_bytes} bytes.")
    upload = Upload(
        length=length,
        offset=0,
        filename=_safe_name(metadata.get("filename", "")),
        content_type=metadata.get("filetype", "")[:100],
        created_by=actor,
    )
    session.add(upload)
    session.flush()
    return upload


def get_upload(session: Session, *, upload_id: str, lock: bool = False) -> Upload:
    query = select(Upload).where(Upload.id == upload_id)
    upload = session.scalar(query.with_for_update() if lock else query)
    if upload is None:
        raise NotFound(f"no upload {upload_id}")
    return upload


def append(
    session: Session,
    *,
    storage: ObjectStore,
    upload_id: str,
    offset: int,
    body: BinaryIO,
    size: int,
) -> Upload:
    """Add ``size`` bytes received at ``offset``; the offset is checked under a row lock."""
    upload = get_upload(session, upload_id=upload_id, lock=True)
    if offset != upload.offset:
        raise OffsetMismatch(f"The upload is at offset {upload.offset}, not {offset}.")
    if offset + size > upload.length:
        raise UploadTooLarge("More bytes than the Upload-Length announced.")
    if size == 0:
        return upload
    key = f"uploads/{upload.id}/parts/{offset:016d}-{new_id()[:8]}"
    storage.put(key, body)
    session.add(UploadPart(upload_id=upload.id, offset=offset, size=size, object_key=key))
    upload.offset = offset + size
    if upload.offset == upload.length:
        enqueue(session, ASSEMBLE_JOB, upload_id=upload.id)
    session.flush()
    return upload


def assemble(session: Session, *, storage: ObjectStore, upload_id: str) -> None:
    """Join the parts into ``uploads/{id}/source/{filename}`` (idempotent); once that is
    committed, drop the parts, their rows and their objects.

    The source has a folder of its own, apart from ``uploads/{id}/parts/``: a file named
    ``parts`` would otherwise be the parts' folder (the local store could never write it)."""
    upload = get_upload(session, upload_id=upload_id)
    if upload.object_key is not None or upload.offset < upload.length:
        return
    parts = list(
        session.scalars(
            select(UploadPart).where(UploadPart.upload_id == upload.id).order_by(UploadPart.offset)
        )
    )
    key = f"uploads/{upload.id}/source/{upload.filename or 'source'}"
    chained = io.BufferedReader(_Chain(storage.get(p.object_key) for p in parts))
    storage.put(key, cast(BinaryIO, chained))
    upload.object_key = key
    session.execute(delete(UploadPart).where(UploadPart.upload_id == upload.id))
    session.flush()
    after_commit(session, lambda: _drop_objects(storage, [p.object_key for p in parts]))


def _drop_objects(storage: ObjectStore, keys: list[str]) -> None:
    for key in keys:
        storage.delete(key)


class _Chain(io.RawIOBase):
    """The parts one after another, read as one stream without holding them in memory."""

    def __init__(self, chunks: Iterator[Iterator[bytes]]) -> None:
        self._chunks = (chunk for part in chunks for chunk in part)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            self._pending = next(self._chunks, b"")
            if not self._pending:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _safe_name(name: str) -> str:
    base = posixpath.basename(name.replace("\\", "/"))
    return re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")[:200]


# --- ingests ---------------------------------------------------------------------------------


def start_ingest(
    session: Session, *, storage: ObjectStore, actor: str, title_id: str, data: schemas.IngestStart
) -> schemas.Ingest:
    """Start the media pipeline on a finished upload, for the title or one of its episodes."""
    title = title_or_404(session, title_id)
    if data.episode_id is not None:
        episode = session.get(Episode, data.episode_id)
        if episode is None or episode.title_id != title.id:
            raise NotFound(f"no episode {data.episode_id} in title {title.id}")
    upload = get_upload(session, upload_id=data.upload_id)
    if upload.object_key is None:
        raise UploadNotFinished("The upload is not complete yet.")
    asset = media.start_ingest(
        session,
        storage=storage,
        source_key=upload.object_key,
        title_hint=title.original_title,
        title_id=title.id,
        episode_id=data.episode_id,
        clear=data.clear,
        publish_requested=data.publish_when_ready,
    )
    ingest = Ingest(
        asset_id=asset.id,
        title_id=title.id,
        episode_id=data.episode_id,
        upload_id=upload.id,
        created_by=actor,
    )
    session.add(ingest)
    session.flush()
    changes = {"asset_id": asset.id, "upload_id": upload.id, "episode_id": data.episode_id}
    record(
        session,
        actor=actor,
        title_id=title.id,
        entity="title",
        entity_id=title.id,
        action="ingest.started",
        changes=changes,
    )
    return _ingest_out(ingest, asset.status, asset.failed_step, asset.error)


def ingests(session: Session, *, title_id: str) -> list[schemas.Ingest]:
    """The title's ingests, newest first, with the pipeline's status of each."""
    title_or_404(session, title_id)
    rows = session.scalars(
        select(Ingest).where(Ingest.title_id == title_id).order_by(Ingest.created_at.desc())
    )
    out = []
    for row in rows:
        asset = media.get_asset(session, asset_id=row.asset_id)
        out.append(_ingest_out(row, asset.status, asset.failed_step, asset.error))
    return out


def retry_ingest(
    session: Session, *, storage: ObjectStore, actor: str, title_id: str, asset_id: str
) -> schemas.Ingest:
    """Run the pipeline again on a failed ingest's upload; a repeat answers the same retry."""
    failed = session.get(Ingest, asset_id)
    if failed is None or failed.title_id != title_or_404(session, title_id).id:
        raise NotFound(f"no ingest {asset_id} of title {title_id}")
    later = session.scalar(
        select(Ingest)
        .where(Ingest.upload_id == failed.upload_id, Ingest.created_at > failed.created_at)
        .order_by(Ingest.created_at.desc())
    )
    if later is not None:
        asset = media.get_asset(session, asset_id=later.asset_id)
        return _ingest_out(later, asset.status, asset.failed_step, asset.error)
    previous = media.get_asset(session, asset_id=asset_id)
    if previous.status != "failed":
        raise IngestNotFailed(f"The ingest is {previous.status}; only a failed one is retried.")
    again = schemas.IngestStart(
        upload_id=failed.upload_id,
        episode_id=failed.episode_id,
        clear=previous.clear,
        publish_when_ready=previous.publish_requested,
    )
    return start_ingest(session, storage=storage, actor=actor, title_id=title_id, data=again)


def summaries(session: Session, *, titles: list[Title]) -> list[schemas.StudioTitleSummary]:
    """Studio list rows: each title with its latest ingest's status and where it is licensed now."""
    ids = [t.id for t in titles]
    licensed = repo.countries_now(session, ids, utcnow())
    latest: dict[str, str] = {}
    for row in session.scalars(
        select(Ingest).where(Ingest.title_id.in_(ids)).order_by(Ingest.created_at)
    ):
        latest[row.title_id] = row.asset_id
    return [
        schemas.StudioTitleSummary(
            id=t.id,
            kind=t.kind,
            status=t.status,
            original_title=t.original_title,
            release_year=t.release_year,
            updated_at=t.updated_at,
            media_status=media.asset_status(session, asset_id=latest[t.id])
            if t.id in latest
            else None,
            licensed_now=licensed.get(t.id, []),
        )
        for t in titles
    ]


def _ingest_out(
    row: Ingest, status: str, failed_step: str | None, error: str | None
) -> schemas.Ingest:
    return schemas.Ingest(
        asset_id=row.asset_id,
        title_id=row.title_id,
        episode_id=row.episode_id,
        upload_id=row.upload_id,
        created_by=row.created_by,
        created_at=row.created_at,
        status=status,
        failed_step=failed_step,
        error=error,
    )


# --- the pipeline's results (events from media) ----------------------------------------------


def attach_asset(session: Session, ready: AssetReady) -> None:
    """``media.asset_ready``: make the asset the title's (or episode's) media; idempotent."""
    title = session.get(Title, ready.title_id or "")
    if title is None:
        return
    target: Title | Episode = title
    if ready.episode_id:
        episode = session.get(Episode, ready.episode_id)
        if episode is None or episode.title_id != title.id:
            log.warning("asset %s names an unknown episode", ready.asset_id)
            return
        target = episode
    if target.asset_id == ready.asset_id:
        return
    _take_media(target, ready)
    if target is not title:
        title.audio_languages = _union(title.audio_languages, target.audio_languages)
        title.subtitle_languages = _union(title.subtitle_languages, target.subtitle_languages)
    _take_poster(session, title, ready.poster_key)
    changes = ready.model_dump(include={"asset_id", "episode_id", "duration_s"})
    record(
        session,
        actor=MEDIA_ACTOR,
        title_id=title.id,
        entity="title",
        entity_id=title.id,
        action="asset.attached",
        changes=changes,
    )
    if ready.publish_requested and title.status == DRAFT:
        publish_worldwide(session, actor=MEDIA_ACTOR, title_id=title.id)
    else:
        touched(session, title=title)


def asset_failed(session: Session, failed: AssetFailed) -> None:
    """``media.asset_failed``: note in the title's audit log which step failed and why."""
    title = session.get(Title, failed.title_id or "")
    if title is None:
        return
    seen = session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.entity_id == failed.asset_id, AuditEntry.action == "asset.failed"
        )
    )
    if seen is None:
        changes = failed.model_dump(include={"episode_id", "step", "reason"})
        record(
            session,
            actor=MEDIA_ACTOR,
            title_id=title.id,
            entity="asset",
            entity_id=failed.asset_id,
            action="asset.failed",
            changes=changes,
        )


def _take_media(target: Title | Episode, ready: AssetReady) -> None:
    target.asset_id = ready.asset_id
    if ready.duration_s:
        target.runtime_s = round(ready.duration_s)
    target.audio_languages = list(ready.audio_languages)
    target.subtitle_languages = list(ready.subtitle_languages)


def _take_poster(session: Session, title: Title, key: str | None) -> None:
    """The pipeline's poster stands in for the title until an editor uploads one."""
    content_type = POSTER_TYPES.get(posixpath.splitext(key or "")[1].lower())
    if key is None or content_type is None:
        return
    existing = session.scalar(
        select(Artwork).where(
            Artwork.title_id == title.id, Artwork.kind == "poster", Artwork.language == ""
        )
    )
    if existing is None:
        session.add(
            Artwork(
                title_id=title.id,
                kind="poster",
                language="",
                object_key=key,
                content_type=content_type,
                source="media",
            )
        )
    elif existing.source == "media":
        existing.object_key, existing.content_type = key, content_type


def _union(current: list[str], more: list[str]) -> list[str]:
    return sorted({*current, *more})
