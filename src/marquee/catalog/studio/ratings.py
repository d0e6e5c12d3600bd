"""A title's age ratings per territory (``*`` for its default rating), checked against the
rating systems of :mod:`marquee.catalog.ratings`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.errors import Invalid
from marquee.catalog.models import Rating
from marquee.catalog.ratings import (
    DEFAULT_SYSTEM,
    DEFAULT_TERRITORY,
    UnknownRating,
    maturity_of,
    normalise,
    rank,
)
from marquee.catalog.repository import title_or_404
from marquee.catalog.studio.audit import record, touched
from marquee.catalog.territories import COUNTRY_NAMES
from marquee.catalog.views import rating_out
from marquee.kit.db import new_id
from marquee.kit.errors import NotFound
from marquee.settings import Settings


def set_rating(
    session: Session,
    *,
    settings: Settings,
    actor: str,
    title_id: str,
    territory: str,
    data: schemas.RatingIn,
) -> schemas.Rating:
    """Rate the title in ``territory`` (ISO code, or ``*`` for its default rating)."""
    change = (title_id, territory, data)
    return set_ratings(session, settings=settings, actor=actor, ratings=[change])[0]


def set_ratings(
    session: Session,
    *,
    settings: Settings,
    actor: str,
    ratings: Sequence[tuple[str, str, schemas.RatingIn]],
) -> list[schemas.Rating]:
    """Several ratings, each ``(title id, territory, rating)`` set as :func:`set_rating` sets
    it, reading the titles' current ratings in one query."""
    wanted = [
        (title_or_404(session, title_id), *rating_values(settings, territory, data))
        for title_id, territory, data in ratings
    ]
    rows = {
        (row.title_id, row.territory): row
        for found in repo.ratings_by_title(session, {t.id for t, *_ in wanted}).values()
        for row in found
    }
    done = []
    for title, territory, system, value in wanted:
        row = rows.get((title.id, territory))
        if row is None:
            row = rows[title.id, territory] = Rating(
                id=new_id(), title_id=title.id, territory=territory
            )
            session.add(row)
        row.system, row.value = system, value
        row.maturity_rank = rank(maturity_of(system, value))
        out = rating_out(row)
        record(
            session,
            actor=actor,
            title_id=title.id,
            entity="rating",
            entity_id=row.id,
            action="rating.set",
            changes=out.model_dump(),
        )
        touched(session, title=title)
        done.append(out)
    return done


def delete_rating(session: Session, *, actor: str, title_id: str, territory: str) -> None:
    title = title_or_404(session, title_id)
    territory = _rating_territory(territory)
    row = session.scalar(
        select(Rating).where(Rating.title_id == title.id, Rating.territory == territory)
    )
    if row is None:
        raise NotFound(f"no rating for {territory}")
    session.delete(row)
    record(
        session,
        actor=actor,
        title_id=title.id,
        entity="rating",
        entity_id=row.id,
        action="rating.deleted",
        changes={"territory": territory},
    )
    touched(session, title=title)


def rating_values(
    settings: Settings, territory: str, data: schemas.RatingIn
) -> tuple[str, str, str]:
    """Canonical ``(territory, system, value)``; the system defaults to the territory's own."""
    territory = _rating_territory(territory)
    try:
        system, value = normalise(data.system or _default_system(settings, territory), data.value)
    except UnknownRating as exc:
        raise Invalid(str(exc)) from None
    return territory, system, value


def _rating_territory(territory: str) -> str:
    territory = territory.strip().upper()
    if territory != DEFAULT_TERRITORY and territory not in COUNTRY_NAMES:
        raise Invalid(f"{territory!r} is not an ISO 3166-1 alpha-2 code or *")
    return territory


def _default_system(settings: Settings, territory: str) -> str:
    if territory == DEFAULT_TERRITORY:
        return DEFAULT_SYSTEM
    system = settings.catalog_rating_systems.get(territory)
    if system is None:
        raise Invalid(f"name the rating system: {territory} has no default one")
    return system
