"""Billing's tables. A subscription belongs to an identity account and goes with it (the
database cascades the account's deletion)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from marquee.kit.db import Base, UTCDateTime, id_column_type, new_id, utcnow


class Plan(Base):
    __tablename__ = "billing_plans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    max_streams: Mapped[int] = mapped_column(Integer)
    max_height: Mapped[int] = mapped_column(Integer)
    download_devices: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer, default=0)
    prices: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Subscription(Base):
    __tablename__ = "billing_subscriptions"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), unique=True
    )
    plan_id: Mapped[str] = mapped_column(ForeignKey("billing_plans.id"))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    trial_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    current_period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
