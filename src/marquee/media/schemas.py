"""Pydantic types of the media domain's API, CLI output and events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

AssetStatus = Literal["pending", "processing", "ready", "failed"]


class _Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RenditionOut(_Schema):
    """One encoded rendition: its size, measured video bit rate (kbit/s) and VMAF."""

    name: str
    height: int
    width: int
    bitrate_kbps: int
    target_kbps: int
    vmaf: float | None
    #: The content key of its quality tier; None for a clear asset, or one packaged before
    #: tiers (the asset's one key then).
    key_id: str | None = None
    #: ``h264`` or ``av1`` (the AV1 twin of an H.264 rendition, docs/media.md).
    codec: str = "h264"


class StepOut(_Schema):
    name: str
    status: str
    progress: float
    message: str
    attempts: int
    error: str | None
    log: str
    started_at: datetime | None
    finished_at: datetime | None
    duration_s: float | None


class InputFile(_Schema):
    """An extra audio or subtitle file of an ingest, already in the object store."""

    language: str
    key: str


class AssetOut(_Schema):
    id: str
    title_id: str | None
    episode_id: str | None
    title_hint: str | None
    status: AssetStatus
    failed_step: str | None
    error: str | None
    clear: bool
    publish_requested: bool
    source_key: str
    duration_s: float | None
    qc: dict[str, Any] | None
    renditions: list[RenditionOut]
    dash: str | None
    hls: str | None
    poster: str | None
    trickplay: str | None
    audio_languages: list[str]
    subtitle_languages: list[str]
    key_ids: list[str]
    created_at: datetime
    finished_at: datetime | None
    steps: list[StepOut]
    #: How the per-title ladder was chosen (``media.per_title.PerTitleLadder``: method,
    #: fallback reason, probes, hull, rungs, CPU seconds); None for a fixed ladder.
    per_title_ladder: dict[str, Any] | None = None


class AssetManifests(_Schema):
    """What playback needs to play a ready asset: object-store keys and key ids."""

    asset_id: str
    dash: str
    hls: str
    encrypted: bool
    key_ids: list[str]
    renditions: list[RenditionOut]
    audio_languages: list[str]
    subtitle_languages: list[str]
    poster: str | None
    trickplay: str | None
    duration_s: float


class IngestRendition(BaseModel):
    height: int
    width: int
    bitrate_kbps: int
    vmaf: float | None


class IngestResult(BaseModel):
    """What ``marquee ingest --json`` prints."""

    asset_id: str
    title_id: str | None
    status: AssetStatus
    duration_s: float | None
    renditions: list[IngestRendition]
    dash: str | None
    hls: str | None
    qc: dict[str, Any] | None
