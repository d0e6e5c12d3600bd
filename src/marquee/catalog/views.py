"""Catalog rows as API types, shared by the viewers' side (:mod:`marquee.catalog.service`) and
the studio (:mod:`marquee.catalog.studio`): credits, ratings, artwork, licence windows, and a
title whole as the studio edits it (which is also what a search index holds).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.models import (
    Artwork,
    Credit,
    Episode,
    Localization,
    Person,
    Rating,
    Season,
    Title,
    Window,
)
from marquee.catalog.ratings import MATURITY_LEVELS
from marquee.catalog.repository import title_or_404

ARTWORK_URL = "/api/v1/artwork/{id}"


def credits_of(session: Session, *, title_id: str) -> list[schemas.Credit]:
    return [credit_out(c, p) for c, p in repo.credits(session, title_id)]


def credit_out(credit: Credit, person: Person) -> schemas.Credit:
    return schemas.Credit(
        person_id=person.id, name=person.name, role=credit.role, character=credit.character
    )


def rating_out(row: Rating) -> schemas.Rating:
    maturity = MATURITY_LEVELS[row.maturity_rank]
    return schemas.Rating(
        territory=row.territory, system=row.system, value=row.value, maturity=maturity
    )


def artwork_out(row: Artwork) -> schemas.Artwork:
    return schemas.Artwork(
        id=row.id,
        kind=row.kind,
        language=row.language,
        url=ARTWORK_URL.format(id=row.id),
        source=row.source,
        variant=row.variant,
    )


def window_out(window: Window) -> schemas.Window:
    return schemas.Window(
        id=window.id,
        title_id=window.title_id,
        territories=list(window.territories),
        countries=sorted(c.territory for c in window.codes),
        starts_at=window.starts_at,
        ends_at=window.ends_at,
        licensor=window.licensor,
        exclusive=window.exclusive,
        downloads_allowed=window.downloads_allowed,
    )


def studio_view(session: Session, *, title_id: str) -> schemas.StudioTitle:
    return studio_views(session, titles=[title_or_404(session, title_id)])[0]


def studio_views(session: Session, *, titles: Sequence[Title]) -> list[schemas.StudioTitle]:
    """Titles whole, as the studio edits them: one query per kind of row, whatever the count."""
    ids = [title.id for title in titles]
    episodes = repo.episodes_by_title(session, ids)
    texts = repo.localizations(session, [*ids, *(e.id for rows in episodes.values() for e in rows)])
    credits = repo.credits_by_title(session, ids)
    ratings = repo.ratings_by_title(session, ids)
    windows = repo.windows_by_title(session, ids)
    seasons = repo.seasons_by_title(session, ids)
    artwork: dict[str, list[Artwork]] = defaultdict(list)
    for image in repo.artwork(session, ids):
        artwork[image.title_id].append(image)
    return [
        schemas.StudioTitle(
            id=title.id,
            kind=title.kind,
            status=title.status,
            external_key=title.external_key,
            original_title=title.original_title,
            original_language=title.original_language,
            synopsis=title.synopsis,
            release_year=title.release_year,
            runtime_s=title.runtime_s,
            genres=[g.label for g in title.genres],
            tags=list(title.tags),
            production_countries=list(title.production_countries),
            localizations=_texts(texts.get(title.id, {})),
            credits=[credit_out(c, p) for c, p in credits[title.id]],
            ratings=[rating_out(r) for r in ratings[title.id]],
            windows=[window_out(w) for w in windows[title.id]],
            artwork=[artwork_out(a) for a in artwork[title.id]],
            seasons=[_season(s, episodes[title.id], texts) for s in seasons[title.id]],
            asset_id=title.asset_id,
            audio_languages=list(title.audio_languages),
            subtitle_languages=list(title.subtitle_languages),
            created_at=title.created_at,
            updated_at=title.updated_at,
            published_at=title.published_at,
        )
        for title in titles
    ]


def _season(
    season: Season, episodes: list[Episode], texts: Mapping[str, Mapping[str, Localization]]
) -> schemas.StudioSeason:
    return schemas.StudioSeason(
        id=season.id,
        number=season.number,
        synopsis=season.synopsis,
        episodes=[
            schemas.StudioEpisode.model_validate(
                {**_columns(e), "localizations": _texts(texts.get(e.id, {}))}
            )
            for e in episodes
            if e.season_id == season.id
        ],
    )


def _texts(found: Mapping[str, Localization]) -> dict[str, schemas.LocalizedText]:
    return {
        lang: schemas.LocalizedText(title=loc.title, synopsis=loc.synopsis)
        for lang, loc in found.items()
    }


def _columns(episode: Episode) -> dict[str, Any]:
    return {c.key: getattr(episode, c.key) for c in Episode.__table__.columns}
