"""``service.is_available``: published, inside a window for the territory, rated for the profile."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from marquee.catalog import assets, service
from marquee.catalog.errors import TitleNotFound
from marquee.catalog.schemas import RatingIn, TitleCreate, WindowIn
from marquee.catalog.studio.publishing import publish_title, unpublish_title
from marquee.catalog.studio.ratings import set_rating
from marquee.catalog.studio.titles import create_title
from marquee.catalog.studio.windows import add_window
from marquee.identity.schemas import Maturity
from marquee.media.events import AssetReady
from marquee.runtime import Platform, build_platform
from marquee.settings import Settings
from tests.integration.catalog.conftest import ready_asset

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
    title = create_title(
        session,
        actor="tester",
        data=TitleCreate(kind="movie", original_title="W", original_language="en"),
    )
    window = WindowIn(territories=list(territories), starts_at=START, ends_at=END)
    add_window(session, settings=platform.settings, actor="tester", title_id=title.id, data=window)
    publish_title(session, actor="tester", title_id=title.id)
    return title.id


def test_a_window_opens_at_its_start_and_closes_at_its_end(
    session: Session, platform: Platform
) -> None:
    title_id = _title(session, platform, "FR")

    def at(moment: datetime) -> bool:
        return service.is_available(
            session, title_id=title_id, territory="FR", maturity="adult", at=moment
        )

    assert [at(START - TICK), at(START), at(END - TICK), at(END)] == [False, True, True, False]


def test_regions_cover_their_countries_only(session: Session, platform: Platform) -> None:
    title_id = _title(session, platform, "DACH", "it")
    inside = START + timedelta(days=1)
    allowed = {
        country
        for country in ("DE", "AT", "CH", "IT", "FR", "US")
        if service.is_available(
            session, title_id=title_id, territory=country, maturity="adult", at=inside
        )
    }
    assert allowed == {"DE", "AT", "CH", "IT"}


def test_world_covers_every_territory_and_a_second_window_extends_one(
    session: Session, platform: Platform
) -> None:
    title_id = _title(session, platform, "WORLD")
    later = WindowIn(territories=["JP"], starts_at=END, ends_at=END + timedelta(days=30))
    add_window(session, settings=platform.settings, actor="tester", title_id=title_id, data=later)
    after = END + timedelta(days=1)
    assert service.is_available(
        session, title_id=title_id, territory="br", maturity="adult", at=START
    )
    assert service.is_available(
        session, title_id=title_id, territory="JP", maturity="adult", at=after
    )
    assert not service.is_available(
        session, title_id=title_id, territory="BR", maturity="adult", at=after
    )


def test_maturity_follows_the_territorys_own_rating_then_the_default_then_the_strictest(
    session: Session, platform: Platform
) -> None:
    title_id = _title(session, platform, "WORLD")
    settings = platform.settings
    set_rating(
        session,
        settings=settings,
        actor="tester",
        title_id=title_id,
        territory="GB",
        data=RatingIn(value="15"),
    )
    set_rating(
        session,
        settings=settings,
        actor="tester",
        title_id=title_id,
        territory="US",
        data=RatingIn(value="R"),
    )

    def lowest(country: str) -> str:
        levels: tuple[Maturity, ...] = ("kids", "teen", "adult")
        return next(
            m
            for m in levels
            if service.is_available(
                session, title_id=title_id, territory=country, maturity=m, at=START
            )
        )

    assert (lowest("GB"), lowest("US"), lowest("FR")) == ("teen", "adult", "adult")
    set_rating(
        session,
        settings=settings,
        actor="tester",
        title_id=title_id,
        territory="*",
        data=RatingIn(value="7+"),
    )
    assert (lowest("GB"), lowest("US"), lowest("FR")) == ("teen", "adult", "kids")


def test_unpublished_titles_are_never_available(session: Session, platform: Platform) -> None:
    title_id = _title(session, platform, "WORLD")
    unpublish_title(session, actor="tester", title_id=title_id)
    assert not service.is_available(
        session, title_id=title_id, territory="FR", maturity="adult", at=START
    )
    assert title_id not in service.visible_title_ids(
        session, territory="FR", maturity="adult", at=START
    )


def test_playback_gets_the_asset_only_where_the_title_may_be_played(
    session: Session, platform: Platform
) -> None:
    title_id = _title(session, platform, "FR")
    with pytest.raises(TitleNotFound):
        service.playable_asset(
            session, title_id=title_id, territory="FR", maturity="adult", at=START
        )
    ready = ready_asset(title_id, asset_id="a" * 32, duration_s=60)
    assets.attach_asset(session, AssetReady.model_validate(ready))

    assert (
        service.playable_asset(
            session, title_id=title_id, territory="FR", maturity="adult", at=START
        )
        == "a" * 32
    )
    with pytest.raises(TitleNotFound):
        service.playable_asset(
            session, title_id=title_id, territory="US", maturity="adult", at=START
        )


def test_summaries_keep_the_order_asked_for_and_drop_what_may_not_be_seen(
    session: Session, platform: Platform
) -> None:
    french = _title(session, platform, "FR")
    worldwide = _title(session, platform, "WORLD")
    summaries = service.title_summaries(
        session,
        title_ids=[worldwide, "0" * 32, french],
        territory="US",
        maturity="adult",
        languages=["en"],
        at=START,
    )
    assert [s.id for s in summaries] == [worldwide]
    both = service.title_summaries(
        session,
        title_ids=[worldwide, french],
        territory="FR",
        maturity="adult",
        languages=["en"],
        at=START,
    )
    assert [s.id for s in both] == [worldwide, french]
