"""Discovery's API types."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from marquee.catalog.schemas import TitleSummary


class SearchPage(BaseModel):
    items: list[TitleSummary]
    page: int
    page_size: int
    total: int = Field(description="Matching titles the profile may see (at most a few hundred)")


class Suggestion(BaseModel):
    id: str
    title: str = Field(description="In the profile's language when the title has it")
    language: str
    release_year: int | None


class Suggestions(BaseModel):
    items: list[Suggestion]


def listing_json(items: Sequence[bytes], **after: int) -> bytes:
    """The JSON of a :class:`SearchPage` or :class:`Suggestions` (fields after ``items`` in
    their order) around items each already encoded by its model: what ``model_dump_json``
    writes, without encoding them again."""
    fields = b"".join(b',"%s":%d' % (name.encode(), value) for name, value in after.items())
    return b'{"items":[' + b",".join(items) + b"]" + fields + b"}"


class RowItem(TitleSummary):
    rank: int | None = Field(default=None, description="1-10 in a Top 10 row")


class BrowseRow(BaseModel):
    id: str = Field(description="Stable per kind: continue-watching, top10-FR, genre-comedies…")
    title: str
    reason: str
    items: list[RowItem]


class Browse(BaseModel):
    profile_id: str
    territory: str
    rows: list[BrowseRow]
