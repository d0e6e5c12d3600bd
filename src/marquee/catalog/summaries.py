"""Title summaries (a title as a viewer sees it in a list) and the choices they make: the
language of the texts, the image of each kind, the rating shown in a territory.

A page of summaries costs a few queries by id whatever the size of the catalog: the titles'
own columns, their genres, texts, artwork and ratings, one query each. A :class:`Source` holds
the same for one title, for a summary made without the database (search keeps one with each
title's document, :func:`from_source`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import BindParameter, Row, bindparam, select
from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.localize import pick
from marquee.catalog.models import Artwork, Localization, Rating, Title, TitleGenre
from marquee.catalog.ratings import rank
from marquee.catalog.schemas import Kind, LocalizedText, StudioTitle, TitleSummary
from marquee.catalog.views import artwork_out, rating_out

Texts = Mapping[str, tuple[str, str]]
_TITLE = Title.__table__.c
_GENRE = TitleGenre.__table__.c
_TEXT = Localization.__table__.c
#: What a summary shows of a title's own row (not its JSON columns, which cost a decoding each).
COLUMNS = (
    _TITLE.id,
    _TITLE.kind,
    _TITLE.status,
    _TITLE.original_title,
    _TITLE.synopsis,
    _TITLE.original_language,
    _TITLE.release_year,
)
#: The queries of a page of summaries, built once, each taking the list ``ids``. Those that
#: give plain rows are run on the session's connection: the ORM's part of a query (which made
#: it cost twice what SQLite spends on it) buys nothing for a few columns.
_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_TITLES = select(*COLUMNS).where(_TITLE.id.in_(_IDS))
_GENRES = (
    select(_GENRE.title_id, _GENRE.label).where(_GENRE.title_id.in_(_IDS)).order_by(_GENRE.position)
)
_TEXTS = select(_TEXT.entity_id, _TEXT.language, _TEXT.title, _TEXT.synopsis).where(
    _TEXT.entity_id.in_(_IDS)
)
_ARTWORK = select(Artwork).where(Artwork.title_id.in_(_IDS))


def of_ids(
    session: Session, ids: Sequence[str], territory: str, languages: Sequence[str]
) -> list[TitleSummary]:
    """Summaries of ``ids`` (titles of the catalog), in that order, rated for ``territory``."""
    found = titles(session, ids)
    return build(session, ids, found, repo.ratings_for(session, ids, territory), languages)


def titles(session: Session, ids: Iterable[str]) -> dict[str, Row[*tuple[Any, ...]]]:
    """id → the title's :data:`COLUMNS`, for those of ``ids`` in the catalog (by primary key)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    session.flush()  # what the ORM's queries do first, and queries on the connection do not
    return {row.id: row for row in session.connection().execute(_TITLES, {"ids": wanted})}


def shown_rank(rating: Rating | None) -> int:
    """The maturity rank a title needs, from the rating :func:`repo.ratings_for` shows (chosen
    as :func:`repo.effective_rank` chooses): adult when it has none."""
    return repo.UNRATED_RANK if rating is None else rating.maturity_rank


def build(
    session: Session,
    ids: Sequence[str],
    found: Mapping[str, Row[*tuple[Any, ...]]],
    ratings: Mapping[str, Rating],
    languages: Sequence[str],
    artwork_variant: str = "",
) -> list[TitleSummary]:
    """Summaries of ``ids`` (all in ``found``, from :func:`titles`), in that order, with the
    ratings shown and the posters of ``artwork_variant`` where a title has one."""
    if not ids:
        return []
    wanted = {"ids": list(dict.fromkeys(ids))}
    connection = session.connection()
    texts: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    for entity_id, language, title, synopsis in connection.execute(_TEXTS, wanted):
        texts[entity_id][language] = (title, synopsis)
    genres: dict[str, list[str]] = defaultdict(list)
    for title_id, label in connection.execute(_GENRES, wanted):
        genres[title_id].append(label)
    artwork: dict[str, list[Artwork]] = defaultdict(list)
    for image in session.scalars(_ARTWORK, wanted):
        artwork[image.title_id].append(image)
    summaries = []
    for title_id in ids:
        title = found[title_id]
        name, synopsis, language = localized(
            (title.original_title, title.synopsis, title.original_language),
            found=texts.get(title_id, {}),
            languages=languages,
        )
        images = chosen_artwork(
            title.original_language, languages, artwork[title_id], artwork_variant
        )
        poster = next((a for a in images if a.kind == "poster"), None)
        rating = ratings.get(title_id)
        summaries.append(
            TitleSummary(
                id=title.id,
                kind=title.kind,
                title=name,
                synopsis=synopsis,
                language=language,
                release_year=title.release_year,
                genres=genres[title_id],
                rating=rating_out(rating) if rating else None,
                poster=artwork_out(poster) if poster else None,
            )
        )
    return summaries


def localized(
    original: tuple[str, str, str], *, found: Texts, languages: Sequence[str]
) -> tuple[str, str, str]:
    """``(title, synopsis, language)`` for the viewer; ``original`` is (title, synopsis, tag),
    ``found`` the translations (language → (title, synopsis))."""
    title, synopsis, tag = original
    texts = {tag: (title, synopsis), **found}
    chosen = pick(languages, texts)
    if chosen is None:
        return original
    lang, (title, synopsis) = chosen
    return title, synopsis, lang


class _Image(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def variant(self) -> str: ...


Image = TypeVar("Image", bound=_Image)


def chosen_artwork(
    original_language: str, languages: Sequence[str], found: Sequence[Image], variant: str = ""
) -> list[Image]:
    """One image per kind: the viewer's language, else the neutral one, else the original's;
    of the alternate ``variant`` where the kind has one, else of the image everyone sees."""
    chosen: list[Image] = []
    for kind in ("poster", "backdrop", "logo"):
        of_kind = [a for a in found if a.kind == kind]
        wanted = variant if any(a.variant == variant for a in of_kind) else ""
        variants = {a.language: a for a in of_kind if a.variant == wanted}
        if not variants:
            continue
        best = pick([*languages], {k: v for k, v in variants.items() if k})
        neutral = variants.get("")
        fallback = pick([original_language], variants) or next(iter(variants.items()))
        chosen.append(best[1] if best else neutral or fallback[1])
    return chosen


class Source(BaseModel):
    """What a title's summaries are made of, in every language and territory."""

    id: str
    kind: Kind
    original_title: str
    original_language: str
    synopsis: str
    release_year: int | None
    genres: list[str]
    localizations: dict[str, LocalizedText]
    ratings: list[schemas.Rating]
    artwork: list[schemas.Artwork]


def source_of(title: StudioTitle) -> Source:
    return Source.model_validate(title, from_attributes=True)


def from_source(source: Source, territory: str, languages: Sequence[str]) -> TitleSummary:
    """The summary :func:`build` makes of the title, rated for ``territory``."""
    name, synopsis, language = localized(
        (source.original_title, source.synopsis, source.original_language),
        found={lang: (text.title, text.synopsis) for lang, text in source.localizations.items()},
        languages=languages,
    )
    images = chosen_artwork(source.original_language, languages, source.artwork)
    ratings = {rating.territory: rating for rating in source.ratings}
    return TitleSummary(
        id=source.id,
        kind=source.kind,
        title=name,
        synopsis=synopsis,
        language=language,
        release_year=source.release_year,
        genres=source.genres,
        rating=repo.shown_rating(ratings, territory, lambda r: rank(r.maturity))
        if ratings
        else None,
        poster=next((a for a in images if a.kind == "poster"), None),
    )
