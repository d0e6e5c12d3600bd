"""Seasons and episodes of a series: adding and editing them (their texts per language are
:mod:`.localizations`')."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.errors import Invalid
from marquee.catalog.models import SERIES, Episode, Season
from marquee.catalog.repository import row_or_404, title_or_404
from marquee.catalog.studio.audit import diff, record, touched
from marquee.catalog.studio.localizations import put_text
from marquee.kit.errors import Conflict


def add_season(
    session: Session, *, actor: str, title_id: str, data: schemas.SeasonCreate
) -> Season:
    title = title_or_404(session, title_id)
    if title.kind != SERIES:
        raise Invalid("Only a series has seasons.")
    if any(s.number == data.number for s in repo.seasons(session, title_id)):
        raise Conflict(f"season {data.number} exists already")
    season = Season(title_id=title.id, number=data.number, synopsis=data.synopsis)
    session.add(season)
    session.flush()
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
    return season


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
