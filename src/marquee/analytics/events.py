"""Events analytics publishes: the player's telemetry, handed to the lake after commit."""

from __future__ import annotations

from pydantic import BaseModel

from marquee.analytics.schemas import TelemetryEvent
from marquee.kit.events import declare
from marquee.playback.service import SessionOfAccount


class TelemetryReceived(BaseModel):
    """A batch of one session's telemetry, with the session's facts."""

    session: SessionOfAccount
    events: list[TelemetryEvent]


TELEMETRY_RECEIVED = declare("analytics.telemetry_received", TelemetryReceived)
"""A player posted telemetry for one of its account's sessions."""
