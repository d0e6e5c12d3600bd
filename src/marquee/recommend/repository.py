"""Recommend's queries on its own tables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from marquee.recommend.tables import SEARCH_CLICK_STRENGTH, ListEntry, Play, SearchClick, Thumb

PERSONAL_TABLES = (Thumb, ListEntry, Play, SearchClick)


def thumbs_of(session: Session, profile_id: str) -> Sequence[Thumb]:
    return session.scalars(select(Thumb).where(Thumb.profile_id == profile_id)).all()


def list_of(session: Session, profile_id: str) -> Sequence[ListEntry]:
    query = (
        select(ListEntry)
        .where(ListEntry.profile_id == profile_id)
        .order_by(ListEntry.added_at.desc(), ListEntry.title_id)
    )
    return session.scalars(query).all()


def plays_of(session: Session, profile_id: str) -> Sequence[Play]:
    return session.scalars(select(Play).where(Play.profile_id == profile_id)).all()


def search_clicks_of(session: Session, profile_id: str) -> Sequence[SearchClick]:
    return session.scalars(select(SearchClick).where(SearchClick.profile_id == profile_id)).all()


def every_signal(session: Session, since: datetime) -> Iterator[tuple[str, str, str, float, float]]:
    """(profile, title, territory, when, strength) of every positive signal since ``since``:
    plays not abandoned, thumbs up and My List entries (strength 1), search clicks
    (:data:`SEARCH_CLICK_STRENGTH`); territory "" where a signal has none."""
    plays = select(Play.profile_id, Play.title_id, Play.territory, Play.at).where(
        Play.at >= since, Play.abandoned.is_(False) | Play.completed.is_(True)
    )
    ups = select(Thumb.profile_id, Thumb.title_id, Thumb.at).where(
        Thumb.thumb == "up", Thumb.at >= since
    )
    listed = select(ListEntry.profile_id, ListEntry.title_id, ListEntry.added_at).where(
        ListEntry.added_at >= since
    )
    clicked = select(SearchClick.profile_id, SearchClick.title_id, SearchClick.at).where(
        SearchClick.at >= since
    )
    for profile_id, title_id, territory, at in session.execute(
        plays.execution_options(yield_per=10_000)
    ):
        yield profile_id, title_id, territory, at.timestamp(), 1.0
    for query, strength in ((ups, 1.0), (listed, 1.0), (clicked, SEARCH_CLICK_STRENGTH)):
        for profile_id, title_id, at in session.execute(query.execution_options(yield_per=10_000)):
            yield profile_id, title_id, "", at.timestamp(), strength


def thumbs_down(session: Session) -> Iterator[tuple[str, str]]:
    """(profile, title) of every thumbs down: taken out of the training rows."""
    query = select(Thumb.profile_id, Thumb.title_id).where(Thumb.thumb == "down")
    yield from ((profile_id, title_id) for profile_id, title_id in session.execute(query))


def forget_profiles(session: Session, profile_ids: Sequence[str]) -> None:
    """Delete every signal of the profiles (idempotent)."""
    if profile_ids:
        for table in PERSONAL_TABLES:
            session.execute(delete(table).where(table.profile_id.in_(profile_ids)))
