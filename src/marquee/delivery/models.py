"""Delivery's one table: which region's cache warming was scheduled for which night."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from marquee.kit.db import Base, UTCDateTime, utcnow


class WarmRun(Base):
    """A region's warming for the off-peak window that opened on ``day``. The primary key is
    the claim: of several schedulers, only the one whose insert commits enqueues the job."""

    __tablename__ = "delivery_warm_runs"

    region: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
