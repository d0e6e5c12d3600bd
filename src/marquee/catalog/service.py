"""The catalog's public face for viewers and other domains (playback, discovery).

Every read a viewer can reach goes through :func:`is_available` (or the same conditions in
SQL): a title is shown or played only when it is published, a licence window covers the
viewer's territory now, and its rating in that territory is within the profile's maturity.
Whatever fails, the answer is the same :class:`~marquee.catalog.errors.TitleNotFound`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import summaries
from marquee.catalog.errors import TitleNotFound
from marquee.catalog.models import (
    PUBLISHED,
    Artwork,
    Episode,
    Localization,
    Season,
    Title,
    TitleGenre,
)
from marquee.catalog.ratings import rank
from marquee.catalog.schemas import (
    DownloadTerms,
    EpisodeView,
    SeasonView,
    StudioTitle,
    TitlePage,
    TitleSummary,
    TitleView,
    Window,
)
from marquee.catalog.territories import COUNTRY_NAMES
from marquee.catalog.views import artwork_out, credits_of, studio_views, window_out
from marquee.identity.schemas import Maturity
from marquee.kit.db import utcnow
from marquee.kit.errors import NotFound

#: Titles read together for a search index: one query per kind of row for each slice.
VIEWS_AT_ONCE = 500


def genre_slug(label: str) -> str:
    """``"Action & Adventure"`` → ``"action-adventure"``: what ``?genre=`` matches."""
    return re.sub(r"[^0-9a-z]+", "-", label.casefold()).strip("-")


def country_name(code: str) -> str:
    """The English short name of a country (``"FR"`` → ``"France"``); the code if unknown."""
    return COUNTRY_NAMES.get(code.upper(), code.upper())


def is_available(
    session: Session,
    *,
    title_id: str,
    territory: str,
    maturity: Maturity,
    at: datetime | None = None,
) -> bool:
    """May a profile of ``maturity`` in ``territory`` see and play the title at ``at`` (now)?"""
    conditions = repo.visible(territory.upper(), rank(maturity), at or utcnow())
    return session.scalar(select(Title.id).where(Title.id == title_id, *conditions)) is not None


def visible_title_ids(
    session: Session,
    *,
    territory: str,
    maturity: Maturity,
    at: datetime | None = None,
) -> list[str]:
    """Every title such a profile may see there now, newest published first (for indexing)."""
    conditions = repo.visible(territory.upper(), rank(maturity), at or utcnow())
    return repo.visible_ids(session, conditions)[0]


def genre_title_ids(session: Session, *, genre: str) -> list[str]:
    """Every published title of ``genre`` (label or slug), newest published first, whoever may
    see it: for callers that already hold :func:`visible_title_ids` and keep the intersection."""
    query = (
        select(Title.id)
        .join(TitleGenre, TitleGenre.title_id == Title.id)
        .where(TitleGenre.slug == genre_slug(genre), Title.status == PUBLISHED)
        .order_by(Title.published_at.desc(), Title.id)
    )
    return list(session.scalars(query))


def list_titles(
    session: Session,
    *,
    territory: str,
    maturity: Maturity,
    languages: Sequence[str],
    genre: str | None = None,
    page: int = 1,
    page_size: int = 40,
    at: datetime | None = None,
) -> TitlePage:
    """One page of what the viewer may see, localized for ``languages`` (most wanted first)."""
    conditions = repo.visible(territory.upper(), rank(maturity), at or utcnow())
    ids, total = repo.visible_ids(
        session,
        conditions,
        genre=genre and genre_slug(genre),
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    items = summaries.of_ids(session, ids, territory.upper(), languages)
    return TitlePage(items=items, page=page, page_size=page_size, total=total)


def title_summaries(
    session: Session,
    *,
    title_ids: Sequence[str],
    territory: str,
    maturity: Maturity,
    languages: Sequence[str],
    at: datetime | None = None,
) -> list[TitleSummary]:
    """Summaries of those of ``title_ids`` the viewer may see, in the order given.

    A few queries by id, whatever the size of the catalog: the rule of :func:`is_available`
    is applied to the rows a summary reads anyway (status, the rating shown in the territory)
    and to the titles with a window open there (one query by id), not by a visibility query
    that the database may answer by scanning every published title."""
    territory = territory.upper()
    titles = summaries.titles(session, title_ids)
    ratings = repo.ratings_for(session, titles, territory)
    max_rank = rank(maturity)
    rated = [
        title_id
        for title_id, title in titles.items()
        if title.status == PUBLISHED and summaries.shown_rank(ratings.get(title_id)) <= max_rank
    ]
    in_window = repo.in_window(territory, at or utcnow())
    windowed = select(Title.id).where(Title.id.in_(rated), in_window)
    allowed = set(session.scalars(windowed)) if rated else set()
    kept = [title_id for title_id in title_ids if title_id in allowed]
    return summaries.build(session, kept, titles, ratings, languages)


def summaries_of_visible(
    session: Session,
    *,
    title_ids: Sequence[str],
    territory: str,
    languages: Sequence[str],
    artwork_variant: str = "",
) -> list[TitleSummary]:
    """Summaries of ``title_ids``, in the order given, for callers that have kept only titles
    of :func:`visible_title_ids` (discovery holds that set per territory and maturity): no
    visibility check but the status, so titles unpublished or deleted since are left out.
    ``artwork_variant`` names the alternate posters to show where a title has them (an
    experiment's ``artwork``)."""
    titles = summaries.titles(session, title_ids)
    kept = [t for t in title_ids if t in titles and titles[t].status == PUBLISHED]
    ratings = repo.ratings_for(session, kept, territory.upper())
    return summaries.build(session, kept, titles, ratings, languages, artwork_variant)


def summary_source(title: StudioTitle) -> bytes:
    """What :func:`summary_from_source` needs of a published title (from
    :func:`published_titles`), as JSON: for callers that keep a copy of each title, as the
    search index does, and make its summaries without reading the catalog."""
    return summaries.source_of(title).model_dump_json().encode()


def summary_from_source(source: bytes, *, territory: str, languages: Sequence[str]) -> TitleSummary:
    """The title's summary, as :func:`summaries_of_visible` makes it, from its
    :func:`summary_source`."""
    found = summaries.Source.model_validate_json(source)
    return summaries.from_source(found, territory.upper(), languages)


def get_title(
    session: Session,
    *,
    title_id: str,
    territory: str,
    maturity: Maturity,
    languages: Sequence[str],
    at: datetime | None = None,
) -> TitleView:
    """The title localized for the viewer, with seasons and episodes; TitleNotFound otherwise."""
    if not is_available(session, title_id=title_id, territory=territory, maturity=maturity, at=at):
        raise TitleNotFound
    title = session.get_one(Title, title_id)
    summary = summaries.of_ids(session, [title_id], territory.upper(), languages)[0]
    episodes = repo.episodes(session, title_id)
    images = summaries.chosen_artwork(
        title.original_language, languages, repo.artwork(session, [title_id])
    )
    return TitleView(
        **summary.model_dump(),
        original_title=title.original_title,
        original_language=title.original_language,
        runtime_s=title.runtime_s,
        tags=list(title.tags),
        production_countries=list(title.production_countries),
        credits=credits_of(session, title_id=title_id),
        artwork=[artwork_out(a) for a in images],
        audio_languages=list(title.audio_languages),
        subtitle_languages=list(title.subtitle_languages),
        playable=title.asset_id is not None or any(e.asset_id for e in episodes),
        seasons=_season_views(session, title, episodes, languages),
    )


def playable_asset(
    session: Session,
    *,
    title_id: str,
    territory: str,
    maturity: Maturity,
    episode_id: str | None = None,
    at: datetime | None = None,
) -> str:
    """The media asset to play for the title (or one of its episodes); TitleNotFound if the
    viewer may not play it or nothing is attached yet."""
    if not is_available(session, title_id=title_id, territory=territory, maturity=maturity, at=at):
        raise TitleNotFound
    if episode_id is None:
        asset_id = session.get_one(Title, title_id).asset_id
    else:
        episode = session.get(Episode, episode_id)
        asset_id = episode.asset_id if episode and episode.title_id == title_id else None
    if asset_id is None:
        raise TitleNotFound
    return asset_id


def download_terms(
    session: Session, *, title_id: str, territory: str, at: datetime | None = None
) -> DownloadTerms | None:
    """May a viewer in ``territory`` download the published title at ``at`` (now), and until
    when (the windows covering it that allow downloads: ``downloads_allowed``)? None when no
    window covers it then, or the title is not published."""
    windows = repo.open_windows(session, title_id, territory.upper(), at or utcnow())
    if not windows:
        return None
    ends = [w.ends_at for w in windows if w.downloads_allowed]
    if not ends:
        return DownloadTerms(allowed=False, ends_at=None)
    return DownloadTerms(allowed=True, ends_at=None if None in ends else max(filter(None, ends)))


def episode_title(session: Session, *, episode_id: str) -> str | None:
    """The series an episode belongs to (its title id); None for an unknown episode."""
    episode = session.get(Episode, episode_id)
    return episode.title_id if episode else None


def episode_order(session: Session, *, title_id: str) -> list[str]:
    """A series' episode ids in viewing order (season by season); empty for a movie."""
    query = (
        select(Episode.id)
        .join(Season, Season.id == Episode.season_id)
        .where(Episode.title_id == title_id)
        .order_by(Season.number, Episode.number)
    )
    return list(session.scalars(query))


def published_titles(
    session: Session, *, title_ids: Sequence[str] | None = None
) -> list[StudioTitle]:
    """Published titles with every language, credit, rating and window: what a search index
    holds (all of them, or those of ``title_ids`` that are published)."""
    query = select(Title.id).where(Title.status == PUBLISHED).order_by(Title.id)
    if title_ids is not None:
        query = query.where(Title.id.in_(title_ids))
    ids = list(session.scalars(query))
    found: list[StudioTitle] = []
    for start in range(0, len(ids), VIEWS_AT_ONCE):
        chunk = ids[start : start + VIEWS_AT_ONCE]
        titles = session.scalars(select(Title).where(Title.id.in_(chunk)).order_by(Title.id))
        found += studio_views(session, titles=list(titles))
    return found


def artwork_object(session: Session, *, artwork_id: str) -> tuple[str, str]:
    """Object-store key and media type of an image; NotFound if there is none."""
    artwork = session.get(Artwork, artwork_id)
    if artwork is None:
        raise NotFound("There is no such image.")
    return artwork.object_key, artwork.content_type


def _season_views(
    session: Session, title: Title, episodes: list[Episode], languages: Sequence[str]
) -> list[SeasonView]:
    texts = repo.localizations(session, [e.id for e in episodes])
    views = []
    for season in repo.seasons(session, title.id):
        views.append(
            SeasonView(
                id=season.id,
                number=season.number,
                synopsis=season.synopsis,
                episodes=[
                    _episode_view(e, title.original_language, texts.get(e.id, {}), languages)
                    for e in episodes
                    if e.season_id == season.id
                ],
            )
        )
    return views


def _episode_view(
    episode: Episode,
    original_language: str,
    found: dict[str, Localization],
    languages: Sequence[str],
) -> EpisodeView:
    original = (episode.original_title, episode.synopsis, original_language)
    texts = {lang: (loc.title, loc.synopsis) for lang, loc in found.items()}
    name, synopsis, language = summaries.localized(original, found=texts, languages=languages)
    return EpisodeView(
        id=episode.id,
        number=episode.number,
        title=name,
        synopsis=synopsis,
        language=language,
        runtime_s=episode.runtime_s,
        playable=episode.asset_id is not None,
        audio_languages=list(episode.audio_languages),
        subtitle_languages=list(episode.subtitle_languages),
    )


def windows_ending(session: Session, *, start: datetime, end: datetime) -> list[Window]:
    """The licence windows that end in ``[start, end)``, soonest first (analytics counts them
    in its content report)."""
    return [window_out(window) for window, _title in repo.expiring(session, start, end)]
