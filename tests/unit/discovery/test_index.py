"""The search index reads hit ids from its fast fields, and from the store for other ids; it
keeps each title's card and finds commits other processes made at once."""

from __future__ import annotations

import uuid
from pathlib import Path

import tantivy

from marquee.catalog import service as catalog
from marquee.catalog.schemas import StudioTitle
from marquee.discovery.index import SearchIndex


def _title(title_id: str, name: str) -> StudioTitle:
    return StudioTitle.model_construct(
        id=title_id,
        kind="movie",
        original_title=name,
        original_language="en",
        synopsis="",
        release_year=None,
        genres=[],
        localizations={},
        credits=[],
        ratings=[],
        artwork=[],
    )


def test_hits_carry_the_ids_of_their_titles(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path)
    ids = [uuid.uuid4().hex for _ in range(50)] + ["0" * 32, "f" * 32, "not-a-hex-id"]
    index.put([_title(title_id, f"Harbour {n}") for n, title_id in enumerate(ids)])
    query = tantivy.Query.term_query(index.index.schema, "names", "harbour")
    hits = index.search(query, 100).hits
    assert sorted(hit.title_id for hit in hits) == sorted(ids)
    nothing = tantivy.Query.term_query(index.index.schema, "names", "none")
    assert index.search(nothing, 10).hits == []


def test_hits_carry_their_titles_cards(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path)
    index.put([_title("a" * 32, "Harbour Lights")])
    found = index.search(tantivy.Query.term_query(index.index.schema, "names", "lights"), 10)
    summary = catalog.summary_from_source(
        found.cards(found.hits)[0], territory="US", languages=["en"]
    )
    assert (summary.id, summary.title) == ("a" * 32, "Harbour Lights")


def test_a_commit_of_another_process_is_searched_at_once(tmp_path: Path) -> None:
    """Its reader would see it within a second; the commit's version tells the index first."""
    index, other = SearchIndex(tmp_path), SearchIndex(tmp_path)
    query = tantivy.Query.term_query(index.index.schema, "names", "harbour")
    before = index.search(query, 10)

    other.put([_title("b" * 32, "Harbour")])

    after = index.search(query, 10)
    assert [hit.title_id for hit in after.hits] == ["b" * 32]
    assert after.version != before.version
