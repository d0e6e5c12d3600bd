"""Playback's API types."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, Field, model_validator

from marquee.catalog.schemas import TitleSummary

KEY_SYSTEM: Literal["org.w3.clearkey"] = "org.w3.clearkey"
PlayerState = Literal["playing", "paused", "buffering", "seeking", "ended"]


class SessionStart(BaseModel):
    """What to play (a movie or series by ``title_id``, or one ``episode_id``) and for whom."""

    title_id: str | None = Field(default=None, max_length=64)
    episode_id: str | None = Field(default=None, max_length=64)
    profile_id: str = Field(max_length=64)
    pin: str | None = Field(
        default=None, max_length=16, description="The profile's PIN, when it has one"
    )

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.title_id is None) == (self.episode_id is None):
            raise ValueError("give either title_id or episode_id")
        return self


# A W3C ClearKey licence request, a session's or a download's (no docstring: it would change
# the sessions' licence request body that round one's OpenAPI document published).
class ClearKeyRequest(BaseModel):
    kids: list[str] = Field(min_length=1, max_length=16)
    type: str = "temporary"


def license_request_body(example_type: str | None = None) -> dict[str, Any]:
    """The OpenAPI request body of a licence route: a :class:`ClearKeyRequest`, with
    ``example_type`` as the example of its ``type`` where the route expects another."""
    schema = ClearKeyRequest.model_json_schema()
    if example_type is not None:
        schema["properties"]["type"]["examples"] = [example_type]
    return {"required": True, "content": {"application/json": {"schema": schema}}}


class PlayRights(BaseModel):
    """What a profile may play of a title here and now, and what the plan allows."""

    profile_id: str
    title_id: str
    episode_id: str | None
    asset_id: str
    max_height: int
    max_streams: int
    download_devices: int


class PlayedPosition(BaseModel):
    """Where a profile got to in a title or episode: a stream's heartbeat, or a play of a
    download that its device reports when back online (downloads hands it to the history)."""

    account_id: str
    profile_id: str
    title_id: str
    episode_id: str | None
    country: str
    position_s: float
    duration_s: float
    played_at: datetime
    #: The download it was played from; "" for a stream.
    download_id: str = ""


class TrackChoice(BaseModel):
    """The audio and subtitle tracks a manifest keeps, by language (``eng`` and ``en`` alike)."""

    audio: list[str] = Field(default_factory=list)
    subtitles: list[str] = Field(default_factory=list)
    #: Keep the original audio (the source's own soundtrack) besides ``audio``; it is kept
    #: anyway when none of ``audio`` is there, so that a download is never silent.
    original_audio: bool = False


class DownloadGrant(BaseModel):
    """A download's asset as playback serves it: its manifest and its persistent licence."""

    download_id: str
    asset_id: str
    max_height: int
    #: The viewer's country when it was granted (the edges its segments come from).
    country: str
    #: The tracks its manifest holds.
    tracks: TrackChoice = Field(default_factory=TrackChoice)


class Manifests(BaseModel):
    dash: str
    hls: str


class RenditionQuality(BaseModel):
    """A video rendition the session may play, as an ABR rule weighs it (docs/playback.md)."""

    height: int
    bitrate_kbps: int
    vmaf: float | None = Field(description="Its measured VMAF, null when not measured")


class SessionStarted(BaseModel):
    session_id: str
    title_id: str
    episode_id: str | None = Field(description="The episode playing (a series), else null")
    manifests: Manifests
    license_url: str
    key_system: Literal["org.w3.clearkey"] = KEY_SYSTEM
    resume_position_s: float
    max_height: int
    expires_at: datetime
    thumbnails: str | None = Field(
        default=None, description="Trick-play WebVTT track (cues name sprite regions), on the edge"
    )
    renditions: list[RenditionQuality] | None = Field(
        default=None, description="The video renditions within the plan, lowest first"
    )
    key_ids: list[str] | None = Field(
        default=None,
        description=(
            "The key ids the session's licence grants (the renditions within the plan, the "
            "audio), base64url without padding as a ClearKey licence request's kids: a player "
            "may ask for the licence while it fetches the manifest"
        ),
    )


class Heartbeat(BaseModel):
    position_s: float = Field(ge=0, allow_inf_nan=False)
    state: PlayerState = "playing"
    bitrate_kbps: int = Field(default=0, ge=0)
    buffer_s: float = Field(default=0, ge=0)
    stalls: int = Field(default=0, ge=0)
    dropped_frames: int = Field(default=0, ge=0)


class Stop(BaseModel):
    position_s: float | None = Field(default=None, ge=0, allow_inf_nan=False)


class PlayingDevice(BaseModel):
    device: str
    title_id: str
    started_at: datetime


class HistoryEntry(BaseModel):
    title_id: str
    episode_id: str | None
    position_s: float
    duration_s: float
    watched: bool
    updated_at: datetime


class ContinueItem(BaseModel):
    """A row of "continue watching": resume a title, or start a series' next episode."""

    title_id: str
    episode_id: str | None
    reason: Literal["resume", "next_episode"]
    position_s: float
    duration_s: float
    updated_at: datetime
    title: TitleSummary | None = None
