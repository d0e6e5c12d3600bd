"""Tables of the media domain: assets, the steps of their pipeline, and wrapped content keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from marquee.kit.db import Base, UTCDateTime, id_column_type, new_id, utcnow

#: Asset statuses.
PENDING, PROCESSING, READY, FAILED = "pending", "processing", "ready", "failed"
ACTIVE_STATUSES = (PENDING, PROCESSING)
#: Step statuses: waiting for its inputs, sent to the queue, running, done, failed.
STEP_PENDING, STEP_QUEUED, STEP_RUNNING = "pending", "queued", "running"
STEP_SUCCEEDED, STEP_FAILED, STEP_RETRYING = "succeeded", "failed", "retrying"


class Asset(Base):
    """One source file on its way to (or after becoming) a protected adaptive stream."""

    __tablename__ = "media_assets"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    #: Opaque references to the catalog (which owns titles and episodes).
    title_id: Mapped[str | None] = mapped_column(String(64), index=True)
    episode_id: Mapped[str | None] = mapped_column(String(64), index=True)
    #: The ``--title`` text, for the catalog to create the title from.
    title_hint: Mapped[str | None] = mapped_column(String(500))
    source_key: Mapped[str] = mapped_column(String(1024))
    #: Extra inputs: ``[{"language": "fra", "key": "sources/…"}]``.
    audio_inputs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    subtitle_inputs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    clear: Mapped[bool] = mapped_column(Boolean, default=False)
    publish_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    failed_step: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    probe: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    qc: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ladder: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Whether renditions are encoded in chunks; the chunks (``media.encode.Chunk``) if so.
    chunks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Per rendition: name, height, width, bitrate_kbps, target_kbps, vmaf.
    renditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    duration_s: Mapped[float | None] = mapped_column(Float)
    dash_key: Mapped[str | None] = mapped_column(String(1024))
    hls_key: Mapped[str | None] = mapped_column(String(1024))
    poster_key: Mapped[str | None] = mapped_column(String(1024))
    trickplay_key: Mapped[str | None] = mapped_column(String(1024))
    audio_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    subtitle_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    key_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AssetStep(Base):
    """One step of an asset's pipeline: ``probe``, ``qc``, ``encode:720p``, ``package``…"""

    __tablename__ = "media_asset_steps"
    __table_args__ = (UniqueConstraint("asset_id", "name"),)

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    asset_id: Mapped[str] = mapped_column(
        id_column_type(), ForeignKey("media_assets.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    #: Order of display: the pipeline's order.
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=STEP_PENDING)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(500), default="")
    log: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    #: What the step produced (an encode's size, bit rate and VMAF…).
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_s: Mapped[float | None] = mapped_column(Float)


class ContentKeyRow(Base):
    """A content key of one asset's quality tier (``sd``, ``hd``, ``uhd``), stored only
    wrapped (RFC 3394) by the key-encryption key. An asset packaged before tiers has one key,
    its ``sd`` row, which encrypted every rendition (docs/media.md)."""

    __tablename__ = "media_content_keys"
    __table_args__ = (UniqueConstraint("asset_id", "tier"),)

    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    asset_id: Mapped[str] = mapped_column(id_column_type())
    tier: Mapped[str] = mapped_column(String(8), default="sd", server_default="sd")
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary(64))
    #: Which key-encryption key wrapped it (a fingerprint), so a rotation can find old ones.
    kek_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
