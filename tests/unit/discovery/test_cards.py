"""Search cards: kept per title, territory and languages for one commit of the index, until
they expire; never kept when made from a commit older than the one kept now."""

from __future__ import annotations

import time

from marquee.catalog.schemas import Rating, TitleSummary
from marquee.discovery.cards import Card, Cards, card_of
from marquee.discovery.schemas import SearchPage, Suggestion, Suggestions, listing_json

EN = ["en"]


def card(title_id: str, name: str = "Name") -> dict[str, Card]:
    return {title_id: Card(result=name.encode(), suggestion=b"{}")}


def kept(cards: Cards, version: bytes, *ids: str) -> dict[str, str]:
    return {i: c.result.decode() for i, c in cards.get_many(version, ids, "US", EN).items()}


def summary(title_id: str, name: str) -> TitleSummary:
    return TitleSummary(
        id=title_id,
        kind="movie",
        title=name,
        synopsis="A story.",
        language="en",
        release_year=1999,
        genres=["Drama"],
        rating=Rating(territory="US", system="MPA", value="PG", maturity="kids"),
        poster=None,
    )


def test_a_page_of_cards_is_the_json_of_its_model() -> None:
    """Pages are their cards' JSON put together: what the API documents and clients parse."""
    found = [summary("a", "Élan"), summary("b", 'Say "Hi"')]
    made = [card_of(s) for s in found]

    page = listing_json([c.result for c in made], page=2, page_size=20, total=22)
    suggested = listing_json([c.suggestion for c in made])

    assert (
        page == SearchPage(items=found, page=2, page_size=20, total=22).model_dump_json().encode()
    )
    items = [Suggestion(id=s.id, title=s.title, language="en", release_year=1999) for s in found]
    assert suggested == Suggestions(items=items).model_dump_json().encode()
    assert (
        listing_json([], page=1, page_size=20, total=0)
        == SearchPage(items=[], page=1, page_size=20, total=0).model_dump_json().encode()
    )


def test_a_card_is_kept_for_its_territory_and_languages_only() -> None:
    cards = Cards(ttl_s=60, max_titles=10)
    cards.put_many(b"1", card("a"), "US", EN)  # nothing kept: no commit found yet
    assert kept(cards, b"1", "a") == {}

    cards.put_many(b"1", card("a"), "US", EN)

    assert kept(cards, b"1", "a", "b") == {"a": "Name"}
    assert cards.get_many(b"1", ["a"], "FR", EN) == {}, "a rating is shown per territory"
    assert cards.get_many(b"1", ["a"], "US", ["fr"]) == {}, "texts are chosen per language"


def test_another_commit_drops_every_card() -> None:
    """A commit of any process of the host: titles were edited, published or taken off."""
    cards = Cards(ttl_s=60, max_titles=10)
    kept(cards, b"1")
    cards.put_many(b"1", card("a"), "US", EN)

    assert kept(cards, b"2", "a") == {}
    assert kept(cards, b"1", "a") == {}


def test_a_card_made_from_an_older_commit_is_not_kept() -> None:
    cards = Cards(ttl_s=60, max_titles=10)
    kept(cards, b"1")  # a search finds commit 1, then makes its cards…
    kept(cards, b"2")  # …meanwhile the title is edited and another search finds commit 2

    cards.put_many(b"1", card("a", "Old"), "US", EN)

    assert kept(cards, b"2", "a") == {}


def test_cards_expire() -> None:
    cards = Cards(ttl_s=0.01, max_titles=10)
    kept(cards, b"1")
    cards.put_many(b"1", card("a"), "US", EN)
    time.sleep(0.02)
    assert kept(cards, b"1", "a") == {}


def test_the_oldest_titles_go_first_beyond_the_bound() -> None:
    cards = Cards(ttl_s=60, max_titles=2)
    kept(cards, b"1")
    for title_id in "abc":
        cards.put_many(b"1", card(title_id), "US", EN)
    assert sorted(kept(cards, b"1", "a", "b", "c")) == ["b", "c"]
