"""A profile's signals about titles: thumbs and My List (explicit, from the API) and plays
(heard from playback's events: started, then how far they got when they ended).

A play that ends before ``recommend_abandon_fraction`` of the running time is an abandonment
and no positive signal, unless an earlier play finished the title. A thumbs down outweighs
everything: the title is neither trained on nor recommended to the profile."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from sqlalchemy.orm import Session

from marquee.catalog import service as catalog
from marquee.identity.schemas import Profile
from marquee.kit.db import utcnow
from marquee.kit.events import publish
from marquee.playback import service as playback
from marquee.playback.events import PlaybackEnded, PlaybackStarted
from marquee.recommend import repository as repo
from marquee.recommend.errors import TitleNotFound
from marquee.recommend.events import (
    LIST_CHANGED,
    SEARCH_CLICKED,
    THUMB_CHANGED,
    ListChanged,
    SearchClicked,
    ThumbChanged,
)
from marquee.recommend.schemas import ListItem, Signals, ThumbRating, ThumbValue
from marquee.recommend.tables import (
    DOWN,
    SEARCH_CLICK_STRENGTH,
    ListEntry,
    Play,
    SearchClick,
    Thumb,
)


def rate(
    session: Session, *, profile: Profile, title_id: str, thumb: ThumbValue, territory: str
) -> ThumbRating:
    """Give the title a thumb (replacing the profile's earlier one); TitleNotFound when the
    profile may not see it here."""
    _check_visible(session, profile, title_id, territory)
    now = utcnow()
    found = session.get(Thumb, (profile.id, title_id))
    if found is None:
        session.add(Thumb(profile_id=profile.id, title_id=title_id, thumb=thumb, at=now))
    else:
        found.thumb, found.at = thumb, now
    publish(
        session,
        THUMB_CHANGED,
        ThumbChanged(profile_id=profile.id, title_id=title_id, thumb=thumb, at=now),
    )
    return ThumbRating(title_id=title_id, thumb=thumb, at=now)


def rating(session: Session, *, profile_id: str, title_id: str) -> ThumbRating | None:
    found = session.get(Thumb, (profile_id, title_id))
    return None if found is None else ThumbRating(title_id=title_id, thumb=found.thumb, at=found.at)


def clear_rating(session: Session, *, profile_id: str, title_id: str) -> None:
    """Take the profile's thumb off the title (nothing to do when it has none)."""
    found = session.get(Thumb, (profile_id, title_id))
    if found is not None:
        session.delete(found)
        change = ThumbChanged(profile_id=profile_id, title_id=title_id, thumb=None, at=utcnow())
        publish(session, THUMB_CHANGED, change)


def add_to_list(session: Session, *, profile: Profile, title_id: str, territory: str) -> None:
    """Put the title on the profile's My List (again: keeps when it was first added)."""
    _check_visible(session, profile, title_id, territory)
    if session.get(ListEntry, (profile.id, title_id)) is None:
        now = utcnow()
        session.add(ListEntry(profile_id=profile.id, title_id=title_id, added_at=now))
        change = ListChanged(profile_id=profile.id, title_id=title_id, listed=True, at=now)
        publish(session, LIST_CHANGED, change)


def remove_from_list(session: Session, *, profile_id: str, title_id: str) -> None:
    found = session.get(ListEntry, (profile_id, title_id))
    if found is not None:
        session.delete(found)
        change = ListChanged(profile_id=profile_id, title_id=title_id, listed=False, at=utcnow())
        publish(session, LIST_CHANGED, change)


def record_search_click(
    session: Session, *, profile: Profile, title_id: str, territory: str
) -> None:
    """The profile opened the title from search: a positive signal of
    :data:`SEARCH_CLICK_STRENGTH`; TitleNotFound when the profile may not see it here."""
    _check_visible(session, profile, title_id, territory)
    now = utcnow()
    found = session.get(SearchClick, (profile.id, title_id))
    if found is None:
        session.add(SearchClick(profile_id=profile.id, title_id=title_id, clicks=1, at=now))
    else:
        found.clicks, found.at = found.clicks + 1, now
    clicked = SearchClicked(profile_id=profile.id, title_id=title_id, at=now)
    publish(session, SEARCH_CLICKED, clicked)


def my_list(
    session: Session, *, profile: Profile, territory: str, languages: Sequence[str]
) -> list[ListItem]:
    """The profile's My List, latest added first, as far as it may see those titles here now
    (a title withdrawn from the territory stays listed and comes back with it)."""
    entries = repo.list_of(session, profile.id)
    added = {entry.title_id: entry.added_at for entry in entries}
    summaries = catalog.title_summaries(
        session,
        title_ids=list(added),
        territory=territory,
        maturity=profile.maturity,
        languages=languages,
    )
    return [ListItem(**summary.model_dump(), added_at=added[summary.id]) for summary in summaries]


def signals_of(session: Session, *, profile_id: str) -> Signals:
    """The profile's row as the model folds it in, read fresh (four queries by key): a title
    searched for and also played, rated up or listed counts as much as those do."""
    thumbs = repo.thumbs_of(session, profile_id)
    down = frozenset(t.title_id for t in thumbs if t.thumb == DOWN)
    listed = repo.list_of(session, profile_id)
    positive: dict[str, float] = {}
    for title_id, at in (
        *((p.title_id, p.at) for p in repo.plays_of(session, profile_id) if _counts(p)),
        *((t.title_id, t.at) for t in thumbs if t.thumb != DOWN),
        *((entry.title_id, entry.added_at) for entry in listed),
    ):
        positive[title_id] = max(positive.get(title_id, 0.0), at.timestamp())
    strength: dict[str, float] = {}
    for click in repo.search_clicks_of(session, profile_id):
        if click.title_id not in positive:
            strength[click.title_id] = SEARCH_CLICK_STRENGTH
        positive[click.title_id] = max(positive.get(click.title_id, 0.0), click.at.timestamp())
    return Signals(
        positive={t: at for t, at in positive.items() if t not in down},
        strength={t: weight for t, weight in strength.items() if t not in down},
        down=down,
        listed=tuple(e.title_id for e in listed),
    )


def record_started(session: Session, started: PlaybackStarted) -> None:
    """A play began: counted at once, so the profile's rows see it within a minute."""
    at = started.at if started.at.tzinfo else started.at.replace(tzinfo=UTC)
    found = session.get(Play, (started.profile_id, started.title_id))
    if found is None:
        found = Play(
            profile_id=started.profile_id,
            title_id=started.title_id,
            territory=started.territory.upper()[:2],
            plays=0,
            fraction=0.0,
            completed=False,
            abandoned=False,
            at=at,
        )
        session.add(found)
    found.plays += 1
    found.abandoned = False
    found.at = max(found.at, at)


def record_ended(session: Session, ended: PlaybackEnded, *, abandon_fraction: float) -> None:
    """A play ended: the share of the running time it reached (playback's history knows the
    duration), whether it finished, or whether it was abandoned early."""
    found = session.get(Play, (ended.profile_id, ended.title_id))
    if found is None:
        return  # its start was not heard (the profile was deleted since): nothing to add to
    entry = next(
        (
            e
            for e in playback.history(session, profile_id=ended.profile_id)
            if e.title_id == ended.title_id and e.episode_id == ended.episode_id
        ),
        None,
    )
    duration = entry.duration_s if entry is not None else 0.0
    fraction = min(1.0, ended.position_s / duration) if duration > 0 else 0.0
    found.fraction = max(found.fraction, fraction)
    found.completed = found.completed or bool(entry and entry.watched)
    found.abandoned = not found.completed and fraction < abandon_fraction


def forget(session: Session, *, profile_ids: Sequence[str]) -> None:
    repo.forget_profiles(session, profile_ids)


def _counts(play: Play) -> bool:
    return play.completed or not play.abandoned


def _check_visible(session: Session, profile: Profile, title_id: str, territory: str) -> None:
    if not catalog.is_available(
        session, title_id=title_id, territory=territory, maturity=profile.maturity
    ):
        raise TitleNotFound
