"""Discovery's own table of plays, filled from ``playback.session_started`` events, for what
it ranks: Trending, Top 10, co-watching and search popularity. A profile's own history
(Continue Watching, what it watched) is playback's, read through ``playback.service``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session, aliased

from marquee.discovery.models import DiscoveryPlay
from marquee.playback.events import PlaybackStarted

CO_WATCH_LIMIT = 60
RANKED_LIMIT = 200
DECAY_STEP_H = 6


def record_play(session: Session, play: PlaybackStarted) -> None:
    """Store a ``playback.session_started`` event."""
    session.add(
        DiscoveryPlay(
            profile_id=play.profile_id,
            title_id=play.title_id,
            territory=play.territory.upper()[:2],
            at=play.at if play.at.tzinfo else play.at.replace(tzinfo=UTC),
        )
    )


def forget_profile(session: Session, *, profile_id: str) -> None:
    forget_profiles(session, profile_ids=[profile_id])


def forget_profiles(session: Session, *, profile_ids: list[str]) -> None:
    """Delete the profiles' plays (idempotent)."""
    if profile_ids:
        session.execute(delete(DiscoveryPlay).where(DiscoveryPlay.profile_id.in_(profile_ids)))


def trending(session: Session, *, now: datetime, days: int, half_life_h: float) -> list[str]:
    """Titles by plays of the last ``days``, each weighing half as much every ``half_life_h``
    hours (in steps of ``DECAY_STEP_H``, so the database computes the decay on any backend)."""
    steps = range(0, days * 24, DECAY_STEP_H)
    weight = case(
        *(
            (DiscoveryPlay.at >= now - timedelta(hours=h + DECAY_STEP_H), 0.5 ** (h / half_life_h))
            for h in steps
        ),
        else_=0.0,
    )
    return _ranked(session, func.sum(weight), DiscoveryPlay.at >= now - timedelta(days=days))


def most_played(session: Session, *, territory: str, since: datetime) -> list[str]:
    """Titles by plays in ``territory`` since then, most first (Top 10, popularity)."""
    return _ranked(
        session,
        func.count(),
        DiscoveryPlay.at >= since,
        DiscoveryPlay.territory == territory.upper(),
    )


def play_counts(session: Session, *, since: datetime) -> dict[str, int]:
    query = (
        select(DiscoveryPlay.title_id, func.count())
        .where(DiscoveryPlay.at >= since)
        .group_by(DiscoveryPlay.title_id)
    )
    return {title_id: int(count) for title_id, count in session.execute(query)}


def co_watched(session: Session, *, title_id: str, profile_id: str) -> list[str]:
    """Titles most often played by the other profiles that played ``title_id``."""
    mine, theirs = aliased(DiscoveryPlay), aliased(DiscoveryPlay)
    viewers = (
        select(mine.profile_id)
        .where(mine.title_id == title_id, mine.profile_id != profile_id)
        .distinct()
        .limit(500)
        .subquery()
    )
    query = (
        select(theirs.title_id)
        .join(viewers, viewers.c.profile_id == theirs.profile_id)
        .where(theirs.title_id != title_id)
        .group_by(theirs.title_id)
        .order_by(func.count(func.distinct(theirs.profile_id)).desc(), theirs.title_id)
        .limit(CO_WATCH_LIMIT)
    )
    return list(session.scalars(query))


def _ranked(session: Session, score: Any, *conditions: Any) -> list[str]:
    query = (
        select(DiscoveryPlay.title_id)
        .where(*conditions)
        .group_by(DiscoveryPlay.title_id)
        .order_by(score.desc(), DiscoveryPlay.title_id)
        .limit(RANKED_LIMIT)
    )
    return list(session.scalars(query))
