"""Events recommend publishes when a profile's explicit signals change (after commit, at least
once): recommend bumps the profile's signals count on them, which renews its browse rows."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from marquee.kit.events import declare


class ThumbChanged(BaseModel):
    profile_id: str
    title_id: str
    #: The thumb now given; None once cleared.
    thumb: Literal["up", "down"] | None
    at: datetime


class ListChanged(BaseModel):
    profile_id: str
    title_id: str
    #: Whether the title is on the profile's My List now.
    listed: bool
    at: datetime


class SearchClicked(BaseModel):
    profile_id: str
    title_id: str
    at: datetime


THUMB_CHANGED = declare("recommend.thumb_changed", ThumbChanged)
"""A profile rated a title thumbs up or down, or cleared its rating."""

LIST_CHANGED = declare("recommend.list_changed", ListChanged)
"""A profile added a title to its My List or removed one."""

SEARCH_CLICKED = declare("recommend.search_clicked", SearchClicked)
"""A profile opened a title from search results or suggestions."""
