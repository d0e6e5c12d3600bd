"""``service.is_available``: published, inside a window for the territory, rated for the profile."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from marquee.catalog import service, studio
from marquee.catalog.schemas import RatingIn, TitleCreate, WindowIn
from marquee.identity.schemas import Maturity
from marquee.runtime import Platform, build_platform
from marquee.settings import Settings

START = datetime(2030, 3, 1, tzinfo=UTC)
END = datetime(2030, 6, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)


@pytest.fixture
def platform(catalog_settings: Settings, database_url: str) -> Iterator[Platform]:
    """The platform on each database backend: the visibility rules are SQL."""
    built = build_platform(catalog_settings.model_copy(update={"database_url": database_url}))
    yield built
    built.stop()


@pytest.fixture
def session(platform: Platform) -> Iterator[Session]:
    with platform.db.sessions() as opened:
        yield opened
        opened.rollback()


def _title(session: Session, platform: Platform, *territories: str) -> str:
    title = studio.create_title(
        session, "tester", TitleCreate(kind="movie", original_title="W", original_language="en")
    )
    window = WindowIn(territories=list(territories), starts_at=START, ends_at=END)
    studio.add_window(session, platform.settings, "tester", title.id, window)
    studio.publish_title(session, "tester", title.id)
    return title.id


def test_a_window_opens_at_its_start_and_closes_at_its_end(
    session: Session, platform: Platform
) -> None:
    title_id = _title(session, platform, "FR")

    def at(moment: datetime) -> bool:
        return service.is_available(session, title_id, "FR", "adult", moment)

    assert [at(START - TICK), at(START), at(END - TICK), at(END)] == [False, True, True, False]


def test_regions_cover_their_countries_only(session: Session, platform: Platform) -> None:
    title_id = _title(session, platform, "DACH", "it")
    inside = START + timedelta(days=1)
    allowed = {
        country
        for country in ("DE", "AT", "CH", "IT", "FR", "US")
        if service.is_available(session, title_id, country, "adult", inside)
    }
    assert allowed == {"DE", "AT", "CH", "IT"}


def test_world_covers_every_territory_and_a_second_window_extends_one(
    session: Session, platform: Platform
) -> None:
    title_id = _title(session, platform, "WORLD")
    later = WindowIn(territories=["JP"], starts_at=END, ends_at=END + timedelta(days=30))
    studio.add_window(session, platform.settings, "tester", title_id, later)
    after = END + timedelta(days=1)
    assert service.is_available(session, title_id, "br", "adult", START)
    assert service.is_available(session, title_id, "JP", "adult", after)
    assert not service.is_available(session, title_id, "BR", "adult", after)


def test_maturity_follows_the_territorys_own_rating_then_the_default_then_the_strictest(
    session: Session, platform: Platform
) -> None:
    title_id = _title(session, platform, "WORLD")
    settings = platform.settings
    studio.set_rating(session, settings, "tester", title_id, "GB", RatingIn(value="15"))
    studio.set_rating(session, settings, "tester", title_id, "US", RatingIn(value="R"))

    def lowest(country: str) -> str:
        levels: tuple[Maturity, ...] = ("kids", "teen", "adult")
        return next(m for m in levels if service.is_available(session, title_id, country, m, START))

    assert (lowest("GB"), lowest("US"), lowest("FR")) == ("teen", "adult", "adult")
    studio.set_rating(session, settings, "tester", title_id, "*", RatingIn(value="7+"))
    assert (lowest("GB"), lowest("US"), lowest("FR")) == ("teen", "adult", "kids")


def test_unpublished_titles_are_never_available(session: Session, platform: Platform) -> None:
    title_id = _title(session, platform, "WORLD")
    studio.unpublish_title(session, "tester", title_id)
    assert not service.is_available(session, title_id, "FR", "adult", START)
    assert title_id not in service.visible_title_ids(session, "FR", "adult", START)
