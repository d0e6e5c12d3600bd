"""Events the catalog publishes (after commit, at least once; handlers must be idempotent)."""

from __future__ import annotations

from pydantic import BaseModel

from marquee.kit.events import declare


class TitleChanged(BaseModel):
    title_id: str


class TitleUnpublished(BaseModel):
    title_id: str
    #: What the title is now: ``draft`` or ``retired``.
    status: str


TITLE_PUBLISHED = declare("catalog.title_published", TitleChanged)
"""Viewers may now see the title (where and while a window allows)."""

TITLE_UPDATED = declare("catalog.title_updated", TitleChanged)
"""Something viewers can see of a published title changed."""

TITLE_UNPUBLISHED = declare("catalog.title_unpublished", TitleUnpublished)
"""The title left the service (it is a draft again, or retired)."""
