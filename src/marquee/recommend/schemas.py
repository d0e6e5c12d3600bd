"""Recommend's API types."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from marquee.catalog.schemas import TitleSummary

ThumbValue = Literal["up", "down"]


class ThumbIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    thumb: ThumbValue


class SearchClickIn(BaseModel):
    """A title opened from the search page's results or suggestions."""

    model_config = ConfigDict(extra="forbid")

    title_id: str = Field(min_length=1, max_length=64)


class ThumbRating(BaseModel):
    title_id: str
    thumb: ThumbValue
    at: datetime


class ListItem(TitleSummary):
    """A title on My List, as the viewer sees it, and when it was added."""

    added_at: datetime


class Signals(BaseModel):
    """What a profile told about titles and what it played: the row folded into the model."""

    model_config = ConfigDict(frozen=True)

    #: Titles with a positive signal, and when it was last given (seconds since the epoch).
    positive: dict[str, float]
    #: How much those of ``positive`` that count less than 1 count (search clicks alone).
    strength: dict[str, float] = {}
    #: Titles rated thumbs down: never recommended.
    down: frozenset[str]
    #: Titles on My List, latest added first.
    listed: tuple[str, ...]


class Picks(BaseModel):
    """What the model makes of a profile now (its fresh signals folded in), for its rows."""

    #: The model version (empty when no model is served: the caller's own rows stand in).
    version: str
    #: The profile's best titles, best first, with their scores.
    scores: dict[str, float]
    #: Titles the model puts next to each of the profile's latest titles, latest first.
    because: dict[str, list[str]]
    down: frozenset[str]
    listed: tuple[str, ...]
