"""Downloads' API types (the contract in docs/downloads.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field

from marquee.playback.schemas import SessionStart

Quality = Literal["standard", "high"]
DownloadState = Literal["active", "expired", "revoked"]
RevokedReason = Literal["plan", "account", "profile", "window", "released"]
Language = Annotated[str, Field(min_length=2, max_length=16)]
DeviceId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class DownloadRequest(SessionStart):
    """What to download (a movie by ``title_id`` or one ``episode_id``), for which profile,
    onto which device (an id the device keeps, the same on every call): what pressing play
    would start (playback's checks and its one-target rule), plus the device and the tracks."""

    device_id: DeviceId
    quality: Quality = "standard"
    audio_languages: list[Language] = Field(default_factory=list, max_length=16)
    subtitle_languages: list[Language] = Field(default_factory=list, max_length=32)


class Download(BaseModel):
    id: str
    title_id: str
    episode_id: str | None
    profile_id: str
    device_id: str
    quality: Quality
    title: str = Field(description="The name to show (the episode's, with its series')")
    max_height: int = Field(description="The tallest rendition the download holds")
    audio_languages: list[str]
    subtitle_languages: list[str]
    manifest_url: str = Field(
        description="The DASH manifest to fetch now, signed for this download's renditions"
    )
    license_url: str
    expires_at: datetime = Field(description="The download must be first played before this")
    play_window_hours: float
    first_played_at: datetime | None
    playable_until: datetime = Field(
        description="min(expires_at or first_played_at + play window, licence window's end)"
    )
    state: DownloadState
    revoked_reason: RevokedReason | None
    created_at: datetime


class Downloads(BaseModel):
    downloads: list[Download]


class Play(BaseModel):
    """A play on the device, reported when it is online (maybe long after)."""

    position_s: float = Field(ge=0, allow_inf_nan=False)
    duration_s: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    played_at: AwareDatetime


class DeviceHolding(BaseModel):
    """A device that holds downloads (in ``download-device-limit``)."""

    device_id: str
    downloads: int
    last_seen_at: datetime
