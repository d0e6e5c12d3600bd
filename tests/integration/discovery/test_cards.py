"""A search card (made from what the title's document stores) is the summary the catalog makes
of the title, in every territory and language: texts, poster and rating chosen alike."""

from __future__ import annotations

from marquee.catalog import service as catalog
from marquee.catalog.schemas import TitleSummary
from marquee.runtime import Platform
from tests.images import picture
from tests.integration.discovery.conftest import Studio

VIEWERS = [
    ("US", ["en"]),
    ("GB", ["fr"]),
    ("FR", ["de", "fr"]),
    ("DE", ["de-AT"]),
    ("JP", ["ja"]),
]


def test_a_card_is_the_catalogs_summary_for_every_viewer(
    studio: Studio, platform: Platform
) -> None:
    plain = studio.title(f"Plain {studio.tag}")
    dressed = studio.title(
        f"Dressed {studio.tag}",
        synopsis="A story.",
        language="fr",
        rating="PG-13",
        genres=("Drama", "Comedy"),
        localizations={"de": {"title": "Angezogen", "synopsis": "Eine Geschichte."}},
    )
    studio.edit("PUT", f"/titles/{dressed}/ratings/GB", {"value": "15"})
    studio.edit("PUT", f"/titles/{dressed}/ratings/*", {"value": "13+"})
    strict = studio.title(f"Strict {studio.tag}", rating="R")  # rated in the US and GB only
    studio.edit("PUT", f"/titles/{strict}/ratings/GB", {"value": "12A"})
    for language in ("", "de", "fr"):
        upload = studio.editor.request(
            "POST",
            f"/api/v1/studio/titles/{dressed}/artwork",
            data={"kind": "poster", "language": language},
            files={"file": ("p.png", picture("PNG"), "image/png")},
        )
        assert upload.is_success, upload.text

    for territory, languages in VIEWERS:
        shown = [plain, dressed, strict]
        assert cards(platform, shown, territory, languages) == summaries(
            platform, shown, territory, languages
        )


def cards(
    platform: Platform, title_ids: list[str], territory: str, languages: list[str]
) -> list[TitleSummary]:
    with platform.db.transaction() as session:
        titles = catalog.published_titles(session, title_ids=title_ids)
    made = {
        title.id: catalog.summary_from_source(
            catalog.summary_source(title), territory=territory, languages=languages
        )
        for title in titles
    }
    return [made[title_id] for title_id in title_ids]


def summaries(
    platform: Platform, title_ids: list[str], territory: str, languages: list[str]
) -> list[TitleSummary]:
    with platform.db.transaction() as session:
        return catalog.summaries_of_visible(
            session, title_ids=title_ids, territory=territory, languages=languages
        )
