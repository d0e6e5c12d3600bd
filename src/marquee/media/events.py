"""Events media publishes (after commit, at least once; handlers must be idempotent)."""

from __future__ import annotations

from pydantic import BaseModel

from marquee.kit.events import declare


class RenditionSummary(BaseModel):
    name: str | None
    height: int | None
    width: int | None
    bitrate_kbps: int | None
    #: Mean VMAF against the source, when measured.
    vmaf: float | None


class AssetReady(BaseModel):
    asset_id: str
    #: The title or episode the asset was ingested for, if named at ingest.
    title_id: str | None
    episode_id: str | None
    title_hint: str | None
    #: The studio asked for the title to be published once its media is ready.
    publish_requested: bool
    duration_s: float | None
    renditions: list[RenditionSummary]
    audio_languages: list[str]
    subtitle_languages: list[str]
    #: Object keys of the DASH manifest and the HLS master playlist.
    dash: str | None
    hls: str | None
    poster_key: str | None
    trickplay_key: str | None
    key_ids: list[str]


class AssetFailed(BaseModel):
    asset_id: str
    title_id: str | None
    episode_id: str | None
    #: The pipeline step that failed, and why, in words for the studio.
    step: str
    reason: str


ASSET_READY = declare("media.asset_ready", AssetReady)
"""The asset is packaged, encrypted and playable; the catalog attaches it to its title."""

ASSET_FAILED = declare("media.asset_failed", AssetFailed)
"""The asset failed for good at one step (its outputs are removed)."""
