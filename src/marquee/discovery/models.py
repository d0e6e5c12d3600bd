"""Discovery's read model: plays heard from playback events (trending, top 10, co-watching)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from marquee.kit.db import Base, UTCDateTime, id_column_type


class DiscoveryPlay(Base):
    """One playback session started: who, what, where, when."""

    __tablename__ = "discovery_plays"
    __table_args__ = (
        Index("ix_discovery_plays_profile_at", "profile_id", "at"),
        Index("ix_discovery_plays_title_profile", "title_id", "profile_id"),
        Index("ix_discovery_plays_at_territory", "at", "territory"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    profile_id: Mapped[str] = mapped_column(id_column_type())
    title_id: Mapped[str] = mapped_column(id_column_type())
    territory: Mapped[str] = mapped_column(String(2))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
