"""Search cards: kept per title, territory and languages for one commit of the index, until
they expire; never kept when made from a commit older than the one kept now."""

from __future__ import annotations

import time

from marquee.catalog.schemas import TitleSummary
from marquee.discovery.cards import Cards

EN = ["en"]


def card(title_id: str, name: str = "Name") -> TitleSummary:
    return TitleSummary(
        id=title_id,
        kind="movie",
        title=name,
        synopsis="",
        language="en",
        release_year=None,
        genres=[],
        rating=None,
        poster=None,
    )


def kept(cards: Cards, version: bytes, *ids: str) -> dict[str, str]:
    return {i: c.title for i, c in cards.get_many(version, ids, "US", EN).items()}


def test_a_card_is_kept_for_its_territory_and_languages_only() -> None:
    cards = Cards(ttl_s=60, max_titles=10)
    cards.put_many(b"1", [card("a")], "US", EN)  # nothing kept: no commit found yet
    assert kept(cards, b"1", "a") == {}

    cards.put_many(b"1", [card("a")], "US", EN)

    assert kept(cards, b"1", "a", "b") == {"a": "Name"}
    assert cards.get_many(b"1", ["a"], "FR", EN) == {}, "a rating is shown per territory"
    assert cards.get_many(b"1", ["a"], "US", ["fr"]) == {}, "texts are chosen per language"


def test_another_commit_drops_every_card() -> None:
    """A commit of any process of the host: titles were edited, published or taken off."""
    cards = Cards(ttl_s=60, max_titles=10)
    kept(cards, b"1")
    cards.put_many(b"1", [card("a")], "US", EN)

    assert kept(cards, b"2", "a") == {}
    assert kept(cards, b"1", "a") == {}


def test_a_card_made_from_an_older_commit_is_not_kept() -> None:
    cards = Cards(ttl_s=60, max_titles=10)
    kept(cards, b"1")  # a search finds commit 1, then makes its cards…
    kept(cards, b"2")  # …meanwhile the title is edited and another search finds commit 2

    cards.put_many(b"1", [card("a", "Old")], "US", EN)

    assert kept(cards, b"2", "a") == {}


def test_cards_expire() -> None:
    cards = Cards(ttl_s=0.01, max_titles=10)
    kept(cards, b"1")
    cards.put_many(b"1", [card("a")], "US", EN)
    time.sleep(0.02)
    assert kept(cards, b"1", "a") == {}


def test_the_oldest_titles_go_first_beyond_the_bound() -> None:
    cards = Cards(ttl_s=60, max_titles=2)
    kept(cards, b"1")
    for title_id in "abc":
        cards.put_many(b"1", [card(title_id)], "US", EN)
    assert sorted(kept(cards, b"1", "a", "b", "c")) == ["b", "c"]
