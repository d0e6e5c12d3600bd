"""Playback's queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from marquee.playback.models import PlaybackSession, ViewingPosition, WatchEvent


def open_sessions(session: Session, account_id: str) -> list[PlaybackSession]:
    """Locking read: it sees rows committed since this transaction's snapshot (MariaDB's
    repeatable read would otherwise hide a stream another device just started)."""
    query = select(PlaybackSession).where(
        PlaybackSession.account_id == account_id, PlaybackSession.ended_at.is_(None)
    )
    return list(session.scalars(query.order_by(PlaybackSession.started_at).with_for_update()))


def revoked_session_ids(
    session: Session, *, ended_before: datetime, silent_before: datetime, now: datetime
) -> list[str]:
    """Sessions not yet expired that ended before ``ended_before`` or were last heard from
    before ``silent_before``."""
    query = select(PlaybackSession.id).where(
        PlaybackSession.expires_at > now,
        or_(
            PlaybackSession.ended_at < ended_before,
            PlaybackSession.last_seen_at < silent_before,
        ),
    )
    return list(session.scalars(query))


def position(
    session: Session, profile_id: str, title_id: str, episode_id: str
) -> ViewingPosition | None:
    return session.get(ViewingPosition, (profile_id, title_id, episode_id))


def positions(
    session: Session, profile_id: str, *, title_id: str | None = None, limit: int | None = None
) -> list[ViewingPosition]:
    query = select(ViewingPosition).where(ViewingPosition.profile_id == profile_id)
    if title_id is not None:
        query = query.where(ViewingPosition.title_id == title_id)
    query = query.order_by(ViewingPosition.updated_at.desc()).limit(limit)
    return list(session.scalars(query))


def delete_history(
    session: Session,
    *,
    profile_id: str | None = None,
    account_id: str | None = None,
    title_id: str | None = None,
) -> None:
    """Delete watch events and positions of a profile or an account (one title, or all)."""
    for table in (WatchEvent, ViewingPosition):
        conditions = []
        if profile_id is not None:
            conditions.append(table.profile_id == profile_id)
        if account_id is not None:
            conditions.append(table.account_id == account_id)
        if title_id is not None:
            conditions.append(table.title_id == title_id)
        session.execute(delete(table).where(*conditions))


def delete_sessions(session: Session, *, account_id: str, profile_id: str | None = None) -> None:
    conditions = [PlaybackSession.account_id == account_id]
    if profile_id is not None:
        conditions.append(PlaybackSession.profile_id == profile_id)
    session.execute(delete(PlaybackSession).where(*conditions))


def play_counts(
    session: Session, since: datetime, territory: str | None
) -> Sequence[tuple[str, int]]:
    plays = func.count(WatchEvent.id)
    query = select(WatchEvent.title_id, plays).where(
        WatchEvent.kind == "start", WatchEvent.at >= since
    )
    if territory is not None:
        query = query.where(WatchEvent.country == territory.upper())
    query = query.group_by(WatchEvent.title_id).order_by(plays.desc(), WatchEvent.title_id)
    return [(title_id, count) for title_id, count in session.execute(query)]
