"""When a stream slot counts: a session is *live* while it is not stopped, not past its lifetime
and heard from within ``playback_heartbeat_timeout_s``; and finding the session row a request
names (the caller's own, or any live one for the manifests, whose URL is the credential)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from marquee.identity.schemas import Principal
from marquee.kit.db import utcnow
from marquee.playback.errors import SessionEnded, SessionNotFound
from marquee.playback.models import PlaybackSession
from marquee.settings import Settings


def is_live(settings: Settings, *, row: PlaybackSession, now: datetime | None = None) -> bool:
    now = now or utcnow()
    silence = timedelta(seconds=settings.playback_heartbeat_timeout_s)
    return row.ended_at is None and now < row.expires_at and now - row.last_seen_at < silence


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
