"""``service.title_summaries`` reads a page by id and keeps what ``visible_title_ids`` lists."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from marquee.catalog import service
from marquee.catalog.schemas import RatingIn, WindowIn
from marquee.catalog.studio.publishing import unpublish_title
from marquee.catalog.studio.ratings import set_rating
from marquee.catalog.studio.windows import add_window
from marquee.identity.schemas import Maturity
from marquee.runtime import Platform
from tests.integration.catalog import test_availability as availability
from tests.integration.catalog.test_availability import END, START, _title

# the platform on each database backend and a session, as the availability tests have them
platform = availability.platform
session = availability.session
MATURITIES: tuple[Maturity, ...] = ("kids", "teen", "adult")


def test_summaries_keep_the_titles_the_visibility_rule_keeps(
    session: Session, platform: Platform
) -> None:
    settings = platform.settings

    def rated(title_id: str, *ratings: tuple[str, str]) -> str:
        for territory, value in ratings:
            data = RatingIn(value=value)
            set_rating(
                session,
                settings=settings,
                actor="tester",
                title_id=title_id,
                territory=territory,
                data=data,
            )
        return title_id

    ids = [
        _title(session, platform, "WORLD"),  # unrated: adults only
        rated(_title(session, platform, "WORLD"), ("GB", "15"), ("US", "R")),
        rated(_title(session, platform, "FR", "GB"), ("*", "7+"), ("GB", "15")),
        rated(_title(session, platform, "DACH"), ("US", "PG")),  # the strictest elsewhere
        rated(_title(session, platform, "US"), ("*", "ALL")),
    ]
    later = _title(session, platform, "WORLD")
    window = WindowIn(territories=["JP"], starts_at=END, ends_at=END + timedelta(days=30))
    add_window(session, settings=settings, actor="tester", title_id=later, data=window)
    gone = rated(_title(session, platform, "WORLD"), ("*", "ALL"))
    unpublish_title(session, actor="tester", title_id=gone)
    asked = [*ids, later, gone, "0" * 32, ids[0]]

    for at in (START, END + timedelta(days=1)):
        for territory in ("FR", "GB", "US", "DE", "JP"):
            for maturity in MATURITIES:
                visible = set(
                    service.visible_title_ids(
                        session, territory=territory, maturity=maturity, at=at
                    )
                )
                summaries = service.title_summaries(
                    session,
                    title_ids=asked,
                    territory=territory,
                    maturity=maturity,
                    languages=["en"],
                    at=at,
                )
                expected = [title_id for title_id in asked if title_id in visible]
                assert [s.id for s in summaries] == expected, (at, territory, maturity)


def test_summaries_of_visible_titles_leave_out_the_unpublished(
    session: Session, platform: Platform
) -> None:
    shown, gone = _title(session, platform, "WORLD"), _title(session, platform, "WORLD")
    unpublish_title(session, actor="tester", title_id=gone)
    summaries = service.summaries_of_visible(
        session, title_ids=[gone, shown, "0" * 32], territory="FR", languages=["en"]
    )
    assert [s.id for s in summaries] == [shown]
