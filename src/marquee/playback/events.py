"""Events playback publishes (after commit, at least once; handlers must be idempotent).

The session events describe the playback session they come from (``SessionFacts``): discovery
counts plays and renews Continue Watching from them, and they are what quality-of-experience
analytics reads.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from marquee.kit.events import declare
from marquee.playback.schemas import Heartbeat


class SessionFacts(BaseModel):
    session_id: str
    account_id: str
    profile_id: str
    title_id: str
    episode_id: str | None
    #: The viewer's country (ISO 3166-1 alpha-2) when the session started.
    territory: str
    #: When the event happened.
    at: datetime


class PlaybackStarted(SessionFacts):
    asset_id: str
    device: str


class PlaybackHeartbeat(SessionFacts, Heartbeat):
    """The session's facts and the player's report (position, state, bitrate, buffer …)."""


class PlaybackEnded(SessionFacts):
    position_s: float
    #: Why it ended: the player stopped it, or it went silent (``expired``) …
    reason: str


class HistoryRemoved(BaseModel):
    profile_id: str
    title_id: str


SESSION_STARTED = declare("playback.session_started", PlaybackStarted)
"""A viewer started watching (entitlement granted, licence and manifests handed out)."""

HEARTBEAT = declare("playback.heartbeat", PlaybackHeartbeat)
"""The player's periodic report, every 10 s and on pause and seek."""

SESSION_ENDED = declare("playback.session_ended", PlaybackEnded)
"""The session is over; ``position_s`` is where the viewer stopped."""

HISTORY_REMOVED = declare("playback.history_removed", HistoryRemoved)
"""The viewer removed a title from the profile's history."""
