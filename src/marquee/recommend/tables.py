"""Recommend's tables (``models`` is the package of model families): the signals each profile
gives about titles, explicit (thumbs, My List), heard from playback (plays, how far they got)
and from the search page (which results it opened)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from marquee.kit.db import Base, UTCDateTime, id_column_type

UP, DOWN = "up", "down"
#: What opening a title from search counts for, against a play, a thumbs up or a My List entry
#: (1): interest shown, not yet confirmed by watching. It scales the interaction in training
#: and in the profile's fold-in; a title also played, rated up or listed counts 1.
SEARCH_CLICK_STRENGTH = 0.5


class Thumb(Base):
    """A profile's thumbs up or down on a title (one at most)."""

    __tablename__ = "recommend_thumbs"

    profile_id: Mapped[str] = mapped_column(id_column_type(), primary_key=True)
    title_id: Mapped[str] = mapped_column(id_column_type(), primary_key=True)
    thumb: Mapped[str] = mapped_column(String(4))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ListEntry(Base):
    """A title on a profile's My List."""

    __tablename__ = "recommend_list"
    __table_args__ = (Index("ix_recommend_list_profile_added", "profile_id", "added_at"),)

    profile_id: Mapped[str] = mapped_column(id_column_type(), primary_key=True)
    title_id: Mapped[str] = mapped_column(id_column_type(), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Play(Base):
    """What a profile's plays of a title came to: how many, when last, the greatest share of
    the running time reached, whether one finished and whether the last one was abandoned."""

    __tablename__ = "recommend_plays"
    __table_args__ = (Index("ix_recommend_plays_at", "at"),)

    profile_id: Mapped[str] = mapped_column(id_column_type(), primary_key=True)
    title_id: Mapped[str] = mapped_column(id_column_type(), primary_key=True)
    territory: Mapped[str] = mapped_column(String(2))
    plays: Mapped[int] = mapped_column(Integer, default=0)
    fraction: Mapped[float] = mapped_column(Float, default=0.0)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    abandoned: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SearchClick(Base):
    """A profile opened a title from search results or suggestions: how often, when last."""

    __tablename__ = "recommend_search_clicks"
    __table_args__ = (Index("ix_recommend_search_clicks_at", "at"),)

    profile_id: Mapped[str] = mapped_column(id_column_type(), primary_key=True)
    title_id: Mapped[str] = mapped_column(id_column_type(), primary_key=True)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
