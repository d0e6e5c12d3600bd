"""The catalog's queries, and the lookups by id that answer NotFound when nothing is found."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session

from marquee.catalog.models import (
    PUBLISHED,
    Artwork,
    AuditEntry,
    Credit,
    Episode,
    Localization,
    Person,
    Rating,
    Season,
    Title,
    TitleGenre,
    Window,
    WindowTerritory,
)
from marquee.catalog.ratings import DEFAULT_TERRITORY, MATURITY_LEVELS
from marquee.catalog.territories import WORLDWIDE
from marquee.kit.errors import NotFound

UNRATED_RANK = len(MATURITY_LEVELS) - 1
#: Values per ``IN (...)`` list of a batch query, well inside every backend's parameter limit.
IN_CHUNK = 500
T = TypeVar("T")
R = TypeVar("R", bound="_OfTitle")
Shown = TypeVar("Shown")


def row_or_404(session: Session, model: type[T], entity_id: str, what: str) -> T:
    """The ``model`` row with that id; NotFound ("no <what> <id>") if there is none."""
    found = session.get(model, entity_id)
    if found is None:
        raise NotFound(f"no {what} {entity_id}")
    return found


def title_or_404(session: Session, title_id: str) -> Title:
    return row_or_404(session, Title, title_id, "title")


def titles_by_key(session: Session, external_keys: Iterable[str]) -> dict[str, Title]:
    """external key → title, for those of ``external_keys`` that name one."""
    found: dict[str, Title] = {}
    for keys in _chunks(external_keys):
        for title in session.scalars(select(Title).where(Title.external_key.in_(keys))):
            if title.external_key is not None:
                found[title.external_key] = title
    return found


def people_by_key(session: Session, external_keys: Iterable[str]) -> dict[str, str]:
    """external key → person id, for those of ``external_keys`` that name one."""
    found: dict[str, str] = {}
    for keys in _chunks(external_keys):
        query = select(Person.external_key, Person.id).where(Person.external_key.in_(keys))
        for key, person_id in session.execute(query):
            if key is not None:
                found[key] = person_id
    return found


def people_names(session: Session, person_ids: Iterable[str]) -> dict[str, str]:
    """person id → name, for those of ``person_ids`` that are people."""
    query = select(Person.id, Person.name)
    return {
        person_id: name
        for ids in _chunks(person_ids)
        for person_id, name in session.execute(query.where(Person.id.in_(ids)))
    }


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    """``values`` without repeats, in lists of at most :data:`IN_CHUNK`."""
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), IN_CHUNK):
        yield unique[start : start + IN_CHUNK]


def localizations(
    session: Session, entity_ids: Iterable[str]
) -> dict[str, dict[str, Localization]]:
    """entity id → language → localization."""
    found: dict[str, dict[str, Localization]] = defaultdict(dict)
    ids = list(entity_ids)
    if ids:
        for row in session.scalars(select(Localization).where(Localization.entity_id.in_(ids))):
            found[row.entity_id][row.language] = row
    return found


def seasons(session: Session, title_id: str) -> list[Season]:
    return seasons_by_title(session, [title_id])[title_id]


def seasons_by_title(session: Session, title_ids: Iterable[str]) -> dict[str, list[Season]]:
    query = select(Season).where(Season.title_id.in_(list(title_ids))).order_by(Season.number)
    return _by_title(session.scalars(query))


def episodes(session: Session, title_id: str) -> list[Episode]:
    return episodes_by_title(session, [title_id])[title_id]


def episodes_by_title(session: Session, title_ids: Iterable[str]) -> dict[str, list[Episode]]:
    query = select(Episode).where(Episode.title_id.in_(list(title_ids))).order_by(Episode.number)
    return _by_title(session.scalars(query))


def credits(session: Session, title_id: str) -> list[tuple[Credit, Person]]:
    return credits_by_title(session, [title_id])[title_id]


def credits_by_title(
    session: Session, title_ids: Iterable[str]
) -> dict[str, list[tuple[Credit, Person]]]:
    query = (
        select(Credit, Person)
        .join(Person, Person.id == Credit.person_id)
        .where(Credit.title_id.in_(list(title_ids)))
        .order_by(Credit.position)
    )
    found: dict[str, list[tuple[Credit, Person]]] = defaultdict(list)
    for credit, person in session.execute(query):
        found[credit.title_id].append((credit, person))
    return found


def ratings(session: Session, title_id: str) -> list[Rating]:
    return ratings_by_title(session, [title_id])[title_id]


def ratings_by_title(session: Session, title_ids: Iterable[str]) -> dict[str, list[Rating]]:
    query = select(Rating).where(Rating.title_id.in_(list(title_ids))).order_by(Rating.territory)
    return _by_title(session.scalars(query))


def windows(session: Session, title_id: str) -> list[Window]:
    return windows_by_title(session, [title_id])[title_id]


def windows_by_title(session: Session, title_ids: Iterable[str]) -> dict[str, list[Window]]:
    query = select(Window).where(Window.title_id.in_(list(title_ids))).order_by(Window.starts_at)
    return _by_title(session.scalars(query))


class _OfTitle(Protocol):
    title_id: Any


def _by_title(rows: Iterable[R]) -> dict[str, list[R]]:
    """Rows grouped by their title id, in query order (a title without rows: an empty list)."""
    found: dict[str, list[R]] = defaultdict(list)
    for row in rows:
        found[row.title_id].append(row)
    return found


def artwork(session: Session, title_ids: Iterable[str]) -> list[Artwork]:
    ids = list(title_ids)
    return list(session.scalars(select(Artwork).where(Artwork.title_id.in_(ids)))) if ids else []


def effective_rank(territory: str) -> ColumnElement[int]:
    """The maturity rank a title needs in ``territory``.

    The territory's own rating, else the title's default rating, else the strictest rating it
    has anywhere, else adult (unrated titles are for adults).
    """

    def rated(where: str) -> ColumnElement[int]:
        return (
            select(Rating.maturity_rank)
            .where(Rating.title_id == Title.id, Rating.territory == where)
            .scalar_subquery()
        )

    strictest = (
        select(func.max(Rating.maturity_rank)).where(Rating.title_id == Title.id).scalar_subquery()
    )
    return func.coalesce(rated(territory), rated(DEFAULT_TERRITORY), strictest, UNRATED_RANK)


def in_window(territory: str, at: datetime) -> ColumnElement[bool]:
    """A window of the title covers ``territory`` at ``at`` (start inclusive, end exclusive)."""
    return exists().where(
        WindowTerritory.title_id == Title.id,
        WindowTerritory.territory.in_([territory, WORLDWIDE]),
        Window.id == WindowTerritory.window_id,
        Window.starts_at <= at,
        or_(Window.ends_at.is_(None), Window.ends_at > at),
    )


def visible(territory: str, max_rank: int, at: datetime) -> list[ColumnElement[bool]]:
    """Conditions a title meets when a viewer of ``max_rank`` in ``territory`` may see it."""
    return [
        Title.status == PUBLISHED,
        in_window(territory, at),
        effective_rank(territory) <= max_rank,
    ]


def visible_ids(
    session: Session,
    conditions: list[ColumnElement[bool]],
    *,
    genre: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[str], int]:
    """Ids of the titles meeting ``conditions``, newest published first, and their count."""
    if genre is not None:
        conditions = [
            *conditions,
            exists().where(TitleGenre.title_id == Title.id, TitleGenre.slug == genre),
        ]
    total = session.scalar(select(func.count()).select_from(Title).where(*conditions)) or 0
    query = (
        select(Title.id)
        .where(*conditions)
        .order_by(Title.published_at.desc(), Title.id)
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(query)), total


def ratings_for(session: Session, title_ids: Iterable[str], territory: str) -> dict[str, Rating]:
    """title id → the rating shown in ``territory`` (titles without ratings are left out), in
    one query for the lot; chosen as :func:`effective_rank` chooses."""
    ids = list(title_ids)
    found: dict[str, list[Rating]] = defaultdict(list)
    if ids:
        for row in session.scalars(select(Rating).where(Rating.title_id.in_(ids))):
            found[row.title_id].append(row)
    return {title_id: _shown(rows, territory) for title_id, rows in found.items()}


def _shown(found: list[Rating], territory: str) -> Rating:
    return shown_rating({r.territory: r for r in found}, territory, lambda r: r.maturity_rank)


def shown_rating(
    by_territory: Mapping[str, Shown], territory: str, rank_of: Callable[[Shown], int]
) -> Shown:
    """The rating shown in ``territory`` of a title's ratings (by territory, not empty): its
    own, else the default one, else the strictest."""
    own = by_territory.get(territory) or by_territory.get(DEFAULT_TERRITORY)
    return own or max(by_territory.values(), key=rank_of)


def open_windows(session: Session, title_id: str, territory: str, at: datetime) -> list[Window]:
    """The windows of a published title that cover ``territory`` at ``at``."""
    covering = select(WindowTerritory.window_id).where(
        WindowTerritory.title_id == title_id,
        WindowTerritory.territory.in_([territory, WORLDWIDE]),
    )
    query = (
        select(Window)
        .join(Title, Title.id == Window.title_id)
        .where(
            Window.id.in_(covering),
            Title.status == PUBLISHED,
            Window.starts_at <= at,
            or_(Window.ends_at.is_(None), Window.ends_at > at),
        )
    )
    return list(session.scalars(query))


def expiring(session: Session, start: datetime, end: datetime) -> list[tuple[Window, Title]]:
    query = (
        select(Window, Title)
        .join(Title, Title.id == Window.title_id)
        .where(Window.ends_at >= start, Window.ends_at < end)
        .order_by(Window.ends_at, Title.original_title)
    )
    return [(window, title) for window, title in session.execute(query)]


def audit(session: Session, title_id: str) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.title_id == title_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id)
    )
    return list(session.scalars(query))


def countries_now(session: Session, title_ids: Iterable[str], at: datetime) -> dict[str, list[str]]:
    """title id → the countries (``*`` = everywhere) a licence window covers at ``at``."""
    query = (
        select(WindowTerritory.title_id, WindowTerritory.territory)
        .join(Window, Window.id == WindowTerritory.window_id)
        .where(
            WindowTerritory.title_id.in_(list(title_ids)),
            Window.starts_at <= at,
            or_(Window.ends_at.is_(None), Window.ends_at > at),
        )
        .distinct()
    )
    found: dict[str, set[str]] = defaultdict(set)
    for title_id, territory in session.execute(query):
        found[title_id].add(territory)
    return {title_id: sorted(codes) for title_id, codes in found.items()}


def studio_titles(
    session: Session, status: str | None, search: str | None, limit: int, offset: int
) -> tuple[list[Title], int]:
    conditions: list[ColumnElement[bool]] = []
    if status:
        conditions.append(Title.status == status)
    if search:
        conditions.append(Title.original_title.icontains(search, autoescape=True))
    total = session.scalar(select(func.count()).select_from(Title).where(*conditions)) or 0
    query = (
        select(Title)
        .where(*conditions)
        .order_by(Title.updated_at.desc(), Title.id)
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(query)), total


def people(session: Session, search: str, limit: int) -> list[Person]:
    query = select(Person).where(Person.name.icontains(search, autoescape=True))
    query = query.order_by(Person.name)
    return list(session.scalars(query.limit(limit)))
