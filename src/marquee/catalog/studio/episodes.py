"""Seasons and episodes of a series: adding and editing them (their texts per language are
:mod:`.localizations`')."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.errors import Invalid
from marquee.catalog.models import SERIES, Episode, Season
from marquee.catalog.repository import row_or_404, title_or_404
from marquee.catalog.studio.audit import diff, record, touched
from marquee.catalog.studio.localizations import put_text
from marquee.kit.db import new_id
from marquee.kit.errors import Conflict


def add_season(
    session: Session, *, actor: str, title_id: str, data: schemas.SeasonCreate
) -> Season:
    return add_seasons(session, actor=actor, seasons=[(title_id, data)])[0]


def add_seasons(
    session: Session, *, actor: str, seasons: Sequence[tuple[str, schemas.SeasonCreate]]
) -> list[Season]:
    """Several seasons, each ``(title id, season)`` added as :func:`add_season` adds it,
    reading the titles' current seasons in one query."""
    wanted = [(title_or_404(session, title_id), data) for title_id, data in seasons]
    if any(title.kind != SERIES for title, _ in wanted):
        raise Invalid("Only a series has seasons.")
    existing = repo.seasons_by_title(session, {title.id for title, _ in wanted})
    taken = {(s.title_id, s.number) for found in existing.values() for s in found}
    added = []
    for title, data in wanted:
        if (title.id, data.number) in taken:
            raise Conflict(f"season {data.number} exists already")
        taken.add((title.id, data.number))
        season = Season(id=new_id(), title_id=title.id, number=data.number, synopsis=data.synopsis)
        added.append(season)
    session.add_all(added)
    for (title, data), season in zip(wanted, added, strict=True):
        record(
            session,
            actor=actor,
            title_id=title.id,
            entity="season",
            entity_id=season.id,
            action="season.created",
            changes=data.model_dump(),
        )
        touched(session, title=title)
    return added


def update_season(
    session: Session, *, actor: str, season_id: str, data: schemas.SeasonUpdate
) -> Season:
    season = row_or_404(session, Season, season_id, "season")
    changes = diff(season, data.model_dump())
    if changes:
        record(
            session,
            actor=actor,
            title_id=season.title_id,
            entity="season",
            entity_id=season.id,
            action="season.updated",
            changes=changes,
        )
        touched(session, title=title_or_404(session, season.title_id))
    return season


def add_episode(
    session: Session, *, actor: str, season_id: str, data: schemas.EpisodeCreate
) -> Episode:
    season = row_or_404(session, Season, season_id, "season")
    taken = session.scalar(
        select(Episode.id).where(Episode.season_id == season.id, Episode.number == data.number)
    )
    if taken is not None:
        raise Conflict(f"episode {data.number} of season {season.number} exists already")
    episode = Episode(
        title_id=season.title_id,
        season_id=season.id,
        number=data.number,
        original_title=data.original_title,
        synopsis=data.synopsis,
        runtime_s=data.runtime_s,
        audio_languages=[],
        subtitle_languages=[],
    )
    session.add(episode)
    session.flush()
    for language, text in data.localizations.items():
        put_text(session, entity_id=episode.id, language=language, text=text)
    changes = data.model_dump(mode="json")
    record(
        session,
        actor=actor,
        title_id=season.title_id,
        entity="episode",
        entity_id=episode.id,
        action="episode.created",
        changes=changes,
    )
    touched(session, title=title_or_404(session, season.title_id))
    return episode


def update_episode(
    session: Session, *, actor: str, episode_id: str, data: schemas.EpisodeUpdate
) -> Episode:
    episode = row_or_404(session, Episode, episode_id, "episode")
    changes = diff(episode, data.model_dump(exclude_unset=True))
    if changes:
        record(
            session,
            actor=actor,
            title_id=episode.title_id,
            entity="episode",
            entity_id=episode.id,
            action="episode.updated",
            changes=changes,
        )
        touched(session, title=title_or_404(session, episode.title_id))
    return episode
