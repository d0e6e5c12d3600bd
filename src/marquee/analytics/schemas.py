"""Analytics' API types: the player's telemetry and the reports' answers.

Every telemetry model forbids unknown fields, so a misspelt field answers 422 naming it instead
of vanishing; the ``kind`` field picks the model.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Millis = Annotated[float, Field(ge=0, le=86_400_000, allow_inf_nan=False)]
Height = Annotated[int, Field(ge=0, le=8640)]
Kbps = Annotated[int, Field(ge=0, le=1_000_000)]


class _Telemetry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: The player's own id for the event: a resent event (same id) is kept once.
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    #: When it happened, by the player's clock, with its offset (``Z`` for UTC).
    at: AwareDatetime
    #: Where in the title it happened.
    position_s: float = Field(default=0, ge=0, allow_inf_nan=False)


class Startup(_Telemetry):
    """From the Play click to the first frame, and the steps on the way."""

    kind: Literal["startup"]
    startup_ms: Millis
    manifest_ms: Millis | None = None
    licence_ms: Millis | None = None
    first_segment_ms: Millis | None = None


class StallStart(_Telemetry):
    kind: Literal["stall_start"]


class StallEnd(_Telemetry):
    kind: Literal["stall_end"]
    #: How long the picture stood still.
    duration_ms: Millis


class QualityChange(_Telemetry):
    kind: Literal["quality_change"]
    from_height: Height
    to_height: Height
    from_bitrate_kbps: Kbps
    to_bitrate_kbps: Kbps


class PlaybackError(_Telemetry):
    kind: Literal["error"]
    code: str = Field(min_length=1, max_length=64)
    message: str = Field(default="", max_length=500)


class Sample(_Telemetry):
    """The player's state, every 10 s while the session lasts."""

    kind: Literal["sample"]
    buffer_s: float = Field(ge=0, le=3600, allow_inf_nan=False)
    throughput_kbps: float = Field(ge=0, le=10_000_000, allow_inf_nan=False)
    dropped_frames: int = Field(ge=0)
    edge_host: str = Field(max_length=255)
    #: The rendition playing (its height and bitrate), when the player knows it.
    height: Height | None = None
    bitrate_kbps: Kbps | None = None
    #: Time spent playing (not stalled, not paused) since the previous sample.
    played_ms: Millis = 0


TelemetryEvent = Annotated[
    Startup | StallStart | StallEnd | QualityChange | PlaybackError | Sample,
    Field(discriminator="kind"),
]


class TelemetryBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[TelemetryEvent] = Field(min_length=1)


class TelemetryAccepted(BaseModel):
    accepted: int


ReportName = Literal["viewing", "retention", "quality", "business", "content"]


class Report(BaseModel):
    """A report's answer: one row per group, each with the group's keys and the metrics."""

    report: ReportName
    from_: date = Field(alias="from")
    to: date
    group_by: list[str]
    rows: list[dict[str, str | int | float | None]]

    model_config = ConfigDict(populate_by_name=True)


class StartupThroughput(BaseModel):
    """A first throughput for a player that has measured none: the median of recent sessions'
    throughput in the caller's country, else in its delivery region, else none."""

    #: The country the request comes from (ISO 3166-1 alpha-2).
    country: str
    #: Whose sessions the figure comes from; null when too few sessions give one.
    scope: Literal["country", "region"] | None
    #: The median of those sessions' median throughput (kbit/s), or null.
    throughput_kbps: float | None
    #: The sessions behind the figure (those of the country when it has none).
    sessions: int
