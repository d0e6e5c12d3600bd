"""Analytics' tables: the lake's ledger. The events themselves live in Parquet files in the
object store (:mod:`.lake`); the database knows which files make up the lake and which events
are already in it, which is what makes each event land exactly once (docs/analytics.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from marquee.kit.db import Base, UTCDateTime, utcnow


class LakeFile(Base):
    """One Parquet file of the lake. Readers read only the files listed here, so a file written
    by a consumer that died before recording it is never read."""

    __tablename__ = "analytics_lake_files"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: The file's partition, ``YYYY-MM-DD`` (UTC).
    day: Mapped[str] = mapped_column(String(10), index=True)
    rows: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    #: ``live``, or ``quarantined`` when the file could not be read (moved aside).
    state: Mapped[str] = mapped_column(String(16), default="live")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LakeEvent(Base):
    """An event already in the lake, by its id: a redelivered event is not written again."""

    __tablename__ = "analytics_lake_events"

    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[str] = mapped_column(String(10))
