"""Localized texts: a title's (or one of its episodes') title and synopsis per language."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from marquee.catalog import schemas
from marquee.catalog.models import Episode, Localization, Title
from marquee.catalog.repository import title_or_404
from marquee.catalog.studio.audit import record, touched
from marquee.kit.errors import NotFound


def put_text(
    session: Session, *, entity_id: str, language: str, text: schemas.LocalizedText
) -> None:
    """Add or replace the entity's text in ``language`` (no audit: callers record it)."""
    found = session.scalar(
        select(Localization).where(
            Localization.entity_id == entity_id, Localization.language == language
        )
    )
    if found is None:
        session.add(
            Localization(
                entity_id=entity_id, language=language, title=text.title, synopsis=text.synopsis
            )
        )
    else:
        found.title, found.synopsis = text.title, text.synopsis


def set_localization(
    session: Session,
    *,
    actor: str,
    title_id: str,
    language: str,
    text: schemas.LocalizedText,
    episode_id: str | None = None,
) -> None:
    """Set the title's (or one episode's) title and synopsis in ``language``."""
    title = title_or_404(session, title_id)
    entity_id = _episode_of(session, title, episode_id).id if episode_id else title.id
    put_text(session, entity_id=entity_id, language=language, text=text)
    changes = {"language": language, **text.model_dump()}
    entity = "episode" if episode_id else "title"
    record(
        session,
        actor=actor,
        title_id=title.id,
        entity=entity,
        entity_id=entity_id,
        action="localization.set",
        changes=changes,
    )
    touched(session, title=title)


def delete_localization(
    session: Session, *, actor: str, title_id: str, language: str, episode_id: str | None = None
) -> None:
    title = title_or_404(session, title_id)
    entity_id = _episode_of(session, title, episode_id).id if episode_id else title.id
    removed = session.execute(
        delete(Localization).where(
            Localization.entity_id == entity_id, Localization.language == language
        )
    )
    if not removed.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"no {language} text")
    entity = "episode" if episode_id else "title"
    record(
        session,
        actor=actor,
        title_id=title.id,
        entity=entity,
        entity_id=entity_id,
        action="localization.deleted",
        changes={"language": language},
    )
    touched(session, title=title)


def _episode_of(session: Session, title: Title, episode_id: str) -> Episode:
    episode = session.get(Episode, episode_id)
    if episode is None or episode.title_id != title.id:
        raise NotFound(f"no episode {episode_id} in title {title.id}")
    return episode
