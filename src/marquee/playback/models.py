"""Playback's tables: sessions (stream slots), the watch-event log and latest positions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from marquee.kit.db import Base, UTCDateTime, id_column_type, new_id, utcnow


class PlaybackSession(Base):
    """One stream: who plays what on which device, and when it last said it was playing."""

    __tablename__ = "playback_sessions"
    __table_args__ = (Index("ix_playback_sessions_account_live", "account_id", "ended_at"),)

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(String(32))
    profile_id: Mapped[str] = mapped_column(String(32))
    #: The identity session (signed-in device) that started it, and that device's name.
    device_id: Mapped[str] = mapped_column(String(64))
    device_name: Mapped[str] = mapped_column(String(200))
    title_id: Mapped[str] = mapped_column(String(32))
    #: Empty for a movie.
    episode_id: Mapped[str] = mapped_column(String(32), default="")
    asset_id: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2))
    max_height: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float] = mapped_column(Float)
    position_s: Mapped[float] = mapped_column(Float, default=0.0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WatchEvent(Base):
    """Append-only log of what a profile watched (one row per heartbeat, start and stop)."""

    __tablename__ = "playback_watch_events"
    __table_args__ = (Index("ix_playback_watch_events_profile_at", "profile_id", "at"),)

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(String(32), index=True)
    profile_id: Mapped[str] = mapped_column(String(32))
    session_id: Mapped[str] = mapped_column(String(32))
    title_id: Mapped[str] = mapped_column(String(32))
    episode_id: Mapped[str] = mapped_column(String(32), default="")
    kind: Mapped[str] = mapped_column(String(16))
    position_s: Mapped[float] = mapped_column(Float)
    country: Mapped[str] = mapped_column(String(2))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class ViewingPosition(Base):
    """The latest position of a profile in a title or episode (one row each)."""

    __tablename__ = "playback_positions"
    __table_args__ = (Index("ix_playback_positions_profile_updated", "profile_id", "updated_at"),)

    profile_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: Empty for a movie.
    episode_id: Mapped[str] = mapped_column(String(32), primary_key=True, default="")
    account_id: Mapped[str] = mapped_column(String(32), index=True)
    position_s: Mapped[float] = mapped_column(Float)
    duration_s: Mapped[float] = mapped_column(Float)
    watched: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
