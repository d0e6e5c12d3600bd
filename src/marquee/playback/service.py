"""Playback's public face, what other domains may call: the viewing history it keeps.

Behind it, one module per concern: :mod:`~marquee.playback.sessions` (start a stream, its
heartbeats, stop; the plan's concurrent stream slots), :mod:`~marquee.playback.liveness` (when
a slot counts), :mod:`~marquee.playback.session_manifests` (a session's manifests and the edges
they name), :mod:`~marquee.playback.licenses` (keys) and :mod:`~marquee.playback.history`.
Discovery and others read the history through :func:`recent_plays`, :func:`history_title_ids`
and :func:`continue_watching`; delivery's edges refuse the tokens of :func:`revoked_sessions`
(handed to it by the platform). Downloads asks :func:`play_rights` before a grant, serves a
download's manifest and persistent licence through :func:`download_mpd` and
:func:`download_license`, and hands its plays to :func:`record_offline_play`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from marquee.playback.errors import SessionNotFound
from marquee.playback.events import PlaybackStarted
from marquee.playback.history import (
    continue_watching,
    erase_account,
    erase_profile,
    history,
    history_title_ids,
    recent_plays,
    record_offline_play,
    remove_from_history,
)
from marquee.playback.licenses import download_license
from marquee.playback.liveness import revoked_sessions
from marquee.playback.models import PlaybackSession
from marquee.playback.session_manifests import download_mpd
from marquee.playback.sessions import play_rights

__all__ = [
    "SessionOfAccount",
    "continue_watching",
    "download_license",
    "download_mpd",
    "erase_account",
    "erase_profile",
    "history",
    "history_title_ids",
    "play_rights",
    "recent_plays",
    "record_offline_play",
    "remove_from_history",
    "revoked_sessions",
    "session_of_account",
]


class SessionOfAccount(PlaybackStarted):
    """A session's facts as it started (``at``: its start) and the running time it plays."""

    duration_s: float


def session_of_account(session: Session, *, account_id: str, session_id: str) -> SessionOfAccount:
    """One of the account's playback sessions; 404 ``playback-session-not-found`` for a
    session of another account or none."""
    row = session.get(PlaybackSession, session_id)
    if row is None or row.account_id != account_id:
        raise SessionNotFound
    return SessionOfAccount(
        session_id=row.id,
        account_id=row.account_id,
        profile_id=row.profile_id,
        title_id=row.title_id,
        episode_id=row.episode_id or None,
        territory=row.country,
        at=row.started_at,
        asset_id=row.asset_id,
        device=row.device_name,
        duration_s=row.duration_s,
    )
