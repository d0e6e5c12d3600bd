"""Viewing history: an append-only log of watch events (``playback_watch_events``) and the
latest position per profile and title or episode (``playback_positions``), both read by
profile (indexed by profile first, the partition key of a wide-column store)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from marquee.catalog import service as catalog
from marquee.identity.events import AccountDeleted, ProfileDeleted
from marquee.kit.events import publish
from marquee.playback import repository
from marquee.playback.events import HISTORY_REMOVED, HistoryRemoved
from marquee.playback.models import PlaybackSession, ViewingPosition, WatchEvent
from marquee.playback.schemas import ContinueItem, HistoryEntry, PlayedPosition
from marquee.settings import Settings

HISTORY_LIMIT = 500


def record_position(
    session: Session,
    *,
    settings: Settings,
    row: PlaybackSession,
    position_s: float,
    now: datetime,
    finished: bool,
) -> None:
    """Move the profile's latest position; watched from ``playback_watched_fraction`` on."""
    _move_position(
        session,
        settings,
        PlayedPosition(
            account_id=row.account_id,
            profile_id=row.profile_id,
            title_id=row.title_id,
            episode_id=row.episode_id or None,
            country=row.country,
            position_s=position_s,
            duration_s=row.duration_s,
            played_at=now,
        ),
        finished=finished,
    )


def record_offline_play(session: Session, *, settings: Settings, play: PlayedPosition) -> None:
    """A play of a download, reported when its device is back online (maybe days later): a
    watch event, and the position unless the profile has watched the title since."""
    session.add(
        WatchEvent(
            account_id=play.account_id,
            profile_id=play.profile_id,
            session_id=play.download_id,
            title_id=play.title_id,
            episode_id=play.episode_id or "",
            kind="offline",
            position_s=play.position_s,
            country=play.country,
            at=play.played_at,
        )
    )
    found = repository.position(session, play.profile_id, play.title_id, play.episode_id or "")
    if found is None or found.updated_at <= play.played_at:
        _move_position(session, settings, play, finished=False)


def _move_position(
    session: Session, settings: Settings, play: PlayedPosition, *, finished: bool
) -> None:
    episode_id = play.episode_id or ""
    found = repository.position(session, play.profile_id, play.title_id, episode_id)
    if found is None:
        found = ViewingPosition(
            profile_id=play.profile_id,
            title_id=play.title_id,
            episode_id=episode_id,
            account_id=play.account_id,
            watched=False,
        )
        session.add(found)
    duration_s = play.duration_s
    found.position_s, found.duration_s, found.updated_at = (
        play.position_s,
        duration_s,
        play.played_at,
    )
    threshold = settings.playback_watched_fraction * duration_s
    watched = finished or (duration_s > 0 and play.position_s >= threshold)
    found.watched = found.watched or watched
    session.flush()


def resume_position(session: Session, *, profile_id: str, title_id: str, episode_id: str) -> float:
    """Where to start: the last position, or the beginning once watched."""
    found = repository.position(session, profile_id, title_id, episode_id)
    return 0.0 if found is None or found.watched else found.position_s


def series_episode(session: Session, *, profile_id: str, title_id: str) -> str:
    """The episode "play" on a series means: the one in progress, else the one after the
    last watched, else the first; "" for a movie."""
    order = catalog.episode_order(session, title_id=title_id)
    if not order:
        return ""
    latest = repository.positions(session, profile_id, title_id=title_id, limit=1)
    if not latest or latest[0].episode_id not in order:
        return order[0]
    if not latest[0].watched:
        return latest[0].episode_id
    return _after(order, latest[0].episode_id) or order[0]


def _after(order: list[str], episode_id: str) -> str | None:
    index = order.index(episode_id)
    return order[index + 1] if index + 1 < len(order) else None


def history(session: Session, *, profile_id: str) -> list[HistoryEntry]:
    """What the profile watched, most recent first (one entry per title or episode)."""
    return [
        HistoryEntry(
            title_id=p.title_id,
            episode_id=p.episode_id or None,
            position_s=p.position_s,
            duration_s=p.duration_s,
            watched=p.watched,
            updated_at=p.updated_at,
        )
        for p in repository.positions(session, profile_id, limit=HISTORY_LIMIT)
    ]


def history_title_ids(session: Session, *, profile_id: str) -> list[str]:
    """Titles the profile has played, most recent first (for discovery)."""
    seen: dict[str, None] = {}
    for p in repository.positions(session, profile_id, limit=HISTORY_LIMIT):
        seen.setdefault(p.title_id)
    return list(seen)


def continue_watching(session: Session, *, profile_id: str, limit: int = 20) -> list[ContinueItem]:
    """One row per title, most recent first: resume a title in progress, or the next episode
    of a series whose last episode was watched. Finished movies and series are left out."""
    latest: dict[str, ViewingPosition] = {}
    for p in repository.positions(session, profile_id, limit=HISTORY_LIMIT):
        latest.setdefault(p.title_id, p)
    items = [item for p in latest.values() if (item := _continue_item(session, p)) is not None]
    return items[:limit]


def _continue_item(session: Session, p: ViewingPosition) -> ContinueItem | None:
    common: dict[str, Any] = {"title_id": p.title_id, "updated_at": p.updated_at}
    if not p.watched:
        if p.position_s <= 0:
            return None
        return ContinueItem(
            **common,
            episode_id=p.episode_id or None,
            reason="resume",
            position_s=p.position_s,
            duration_s=p.duration_s,
        )
    if not p.episode_id:
        return None
    following = _after(catalog.episode_order(session, title_id=p.title_id), p.episode_id)
    if following is None:
        return None
    return ContinueItem(
        **common, episode_id=following, reason="next_episode", position_s=0.0, duration_s=0.0
    )


def remove_from_history(session: Session, *, profile_id: str, title_id: str) -> None:
    """Forget a title (every episode of a series) for the profile: log and positions."""
    repository.delete_history(session, profile_id=profile_id, title_id=title_id)
    publish(session, HISTORY_REMOVED, HistoryRemoved(profile_id=profile_id, title_id=title_id))


def recent_plays(
    session: Session, *, since: datetime, territory: str | None = None
) -> list[tuple[str, int]]:
    """Plays started per title since ``since`` (in ``territory`` when given), most first."""
    return list(repository.play_counts(session, since, territory))


def erase_profile(session: Session, deleted: ProfileDeleted) -> None:
    """``identity.profile_deleted``: the profile's history and sessions go (idempotent)."""
    repository.delete_history(session, profile_id=deleted.profile_id)
    repository.delete_sessions(
        session, account_id=deleted.account_id, profile_id=deleted.profile_id
    )


def erase_account(session: Session, deleted: AccountDeleted) -> None:
    """``identity.account_deleted``: every profile's history and every session go."""
    repository.delete_history(session, account_id=deleted.account_id)
    repository.delete_sessions(session, account_id=deleted.account_id)
