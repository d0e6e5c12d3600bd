"""Billing's queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.billing.models import Plan, Subscription


def plans(session: Session) -> Sequence[Plan]:
    return session.scalars(select(Plan).order_by(Plan.rank)).all()


def subscription_of(session: Session, account_id: str) -> Subscription | None:
    query = select(Subscription).where(Subscription.account_id == account_id)
    return session.scalars(query).one_or_none()
