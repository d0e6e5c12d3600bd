"""Downloads' tables: the downloads granted to devices, and when each device was last seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from marquee.kit.db import Base, UTCDateTime, id_column_type, new_id, utcnow


class Download(Base):
    """A title or episode granted to a device, and its licence's terms."""

    __tablename__ = "downloads_grants"
    __table_args__ = (Index("ix_downloads_grants_account_device", "account_id", "device_id"),)

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(String(32))
    profile_id: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[str] = mapped_column(String(64))
    title_id: Mapped[str] = mapped_column(String(32), index=True)
    #: Empty for a movie.
    episode_id: Mapped[str] = mapped_column(String(32), default="")
    asset_id: Mapped[str] = mapped_column(String(32))
    #: The viewer's country at the grant: its licence window is that territory's.
    country: Mapped[str] = mapped_column(String(2))
    quality: Mapped[str] = mapped_column(String(8))
    max_height: Mapped[int] = mapped_column(Integer)
    #: The name shown on the device, in the profile's language at the grant.
    title: Mapped[str] = mapped_column(String(500))
    audio_languages: Mapped[list[str]] = mapped_column(JSON)
    subtitle_languages: Mapped[list[str]] = mapped_column(JSON)
    #: To be first played before this.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The end of the licence window that allows it; None: open-ended.
    window_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_played_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: ``plan``, ``profile``, ``window`` or ``released`` (docs/downloads.md).
    revoked_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DownloadDevice(Base):
    """A device of an account that asked about downloads, and when it last did: the most
    recently seen keep their downloads when the plan allows fewer devices."""

    __tablename__ = "downloads_devices"

    account_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
