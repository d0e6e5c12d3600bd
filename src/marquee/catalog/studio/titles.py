"""Titles: creating one, editing its fields and genres, and the studio's list of titles of any
status (status changes are :mod:`.publishing`'s, texts per language :mod:`.localizations`')."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.models import DRAFT, Title, TitleGenre
from marquee.catalog.repository import title_or_404
from marquee.catalog.service import genre_slug
from marquee.catalog.studio.audit import diff, record, touched
from marquee.catalog.studio.localizations import put_text
from marquee.kit.db import new_id


def create_title(
    session: Session, *, actor: str, data: schemas.TitleCreate, external_key: str | None = None
) -> Title:
    title = Title(
        id=new_id(),
        kind=data.kind,
        external_key=external_key,
        original_title=data.original_title,
        original_language=data.original_language,
        synopsis=data.synopsis,
        release_year=data.release_year,
        runtime_s=data.runtime_s,
        production_countries=data.production_countries,
        tags=data.tags,
        status=DRAFT,
        audio_languages=[],
        subtitle_languages=[],
    )
    session.add(title)
    _set_genres(title, data.genres)
    for language, text in data.localizations.items():
        put_text(session, entity_id=title.id, language=language, text=text)
    record(
        session,
        actor=actor,
        title_id=title.id,
        entity="title",
        entity_id=title.id,
        action="title.created",
        changes=data.model_dump(mode="json"),
    )
    return title


def update_title(
    session: Session, *, actor: str, title_id: str, data: schemas.TitleUpdate
) -> Title:
    title = title_or_404(session, title_id)
    values = data.model_dump(exclude_unset=True, exclude={"genres"})
    changes = diff(title, values)
    if data.genres is not None and data.genres != [g.label for g in title.genres]:
        changes["genres"] = {"from": [g.label for g in title.genres], "to": data.genres}
        _set_genres(title, data.genres)
    if changes:
        record(
            session,
            actor=actor,
            title_id=title.id,
            entity="title",
            entity_id=title.id,
            action="title.updated",
            changes=changes,
        )
        touched(session, title=title)
    return title


def _set_genres(title: Title, labels: Sequence[str]) -> None:
    """Genres in the order given; labels with the same slug count once (the first wins)."""
    first: dict[str, str] = {}
    for label in labels:
        if slug := genre_slug(label):
            first.setdefault(slug, label.strip())
    title.genres = [
        TitleGenre(slug=slug, label=label, position=i)
        for i, (slug, label) in enumerate(first.items())
    ]


def list_titles(
    session: Session, *, status: str | None, search: str | None, limit: int, offset: int
) -> tuple[list[Title], int]:
    """Titles of any status for the studio, most recently changed first."""
    return repo.studio_titles(session, status, search, limit, offset)
