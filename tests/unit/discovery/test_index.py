"""The search index reads hit ids from its fast fields, and from the store for other ids."""

from __future__ import annotations

import uuid
from pathlib import Path

import tantivy

from marquee.catalog.schemas import StudioTitle
from marquee.discovery.index import SearchIndex


def _title(title_id: str, name: str) -> StudioTitle:
    return StudioTitle.model_construct(
        id=title_id,
        original_title=name,
        original_language="en",
        synopsis="",
        genres=[],
        localizations={},
        credits=[],
    )


def test_hits_carry_the_ids_of_their_titles(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path)
    ids = [uuid.uuid4().hex for _ in range(50)] + ["0" * 32, "f" * 32, "not-a-hex-id"]
    index.put([_title(title_id, f"Harbour {n}") for n, title_id in enumerate(ids)])
    query = tantivy.Query.term_query(index.index.schema, "names", "harbour")
    hits = index.search(query, 100)
    assert sorted(hit.title_id for hit in hits) == sorted(ids)
    assert index.search(tantivy.Query.term_query(index.index.schema, "names", "none"), 10) == []
