"""Analytics' tables: the lake's list of files and its erased viewers. The events themselves live
in Parquet files in the object store (:mod:`.lake`); the database knows which files make up the
lake (readers read no other) and whose rows it must never hold again (docs/analytics.md)."""

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


class ErasedViewer(Base):
    """The pseudonym of an account or profile that was deleted: the lake keeps none of its rows,
    including those of events that arrive (again, or late) after the erasure."""

    __tablename__ = "analytics_erased_viewers"

    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
