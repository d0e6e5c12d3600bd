"""When a stream slot counts: a session is *live* while it is not stopped, not past its lifetime
and heard from within ``playback_heartbeat_timeout_s``; finding the session row a request
names (the caller's own, or any live one for the manifests, whose URL is the credential); and
the sessions whose delivery tokens the edges refuse (:func:`revoked_sessions`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from marquee.identity.schemas import Principal
from marquee.kit.db import utcnow
from marquee.playback import repository
from marquee.playback.errors import SessionEnded, SessionNotFound
from marquee.playback.models import PlaybackSession
from marquee.settings import Settings


def is_live(settings: Settings, *, row: PlaybackSession, now: datetime | None = None) -> bool:
    now = now or utcnow()
    silence = timedelta(seconds=settings.playback_heartbeat_timeout_s)
    return row.ended_at is None and now < row.expires_at and now - row.last_seen_at < silence


def revoked_sessions(session: Session, *, settings: Settings, now: datetime) -> list[str]:
    """Sessions whose delivery tokens the edges refuse (docs/delivery.md, *Revocation*): ended
    (stopped, replaced, timed out) or silent past the heartbeat timeout for longer than
    ``delivery_revocation_grace_s``, and not yet expired (their tokens expire with them). A
    session kept by heartbeats is never listed, however long it plays."""
    grace = timedelta(seconds=settings.delivery_revocation_grace_s)
    silence = timedelta(seconds=settings.playback_heartbeat_timeout_s)
    return repository.revoked_session_ids(
        session, ended_before=now - grace, silent_before=now - silence - grace, now=now
    )


def own_session(session: Session, me: Principal, session_id: str) -> PlaybackSession:
    row = session.get(PlaybackSession, session_id)
    if row is None or row.account_id != me.account_id:
        raise SessionNotFound
    return row


def live_session(session: Session, settings: Settings, session_id: str) -> PlaybackSession:
    row = session.get(PlaybackSession, session_id)
    if row is None:
        raise SessionNotFound
    if not is_live(settings, row=row):
        raise SessionEnded
    return row
