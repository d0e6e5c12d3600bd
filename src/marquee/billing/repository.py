"""Billing's queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from marquee.billing.models import Plan, Subscription, VoucherRedemption


def plans(session: Session) -> Sequence[Plan]:
    return session.scalars(select(Plan).order_by(Plan.rank)).all()


def subscription_of(session: Session, account_id: str) -> Subscription | None:
    query = select(Subscription).where(Subscription.account_id == account_id)
    return session.scalars(query).one_or_none()


def subscriptions(session: Session, *, limit: int) -> Sequence[Subscription]:
    """Past due and suspended ones first (the admin's view), then by the next renewal."""
    unpaid = case((Subscription.status.in_(("past_due", "suspended")), 0), else_=1)
    query = select(Subscription).order_by(unpaid, Subscription.current_period_end)
    return session.scalars(query.limit(limit)).all()


def by_customer(session: Session, customer_ref: str) -> Subscription | None:
    query = select(Subscription).where(Subscription.customer_ref == customer_ref)
    return session.scalars(query).first()


def redeemed(session: Session, *, code: str, account_id: str) -> bool:
    query = select(VoucherRedemption.id).where(
        VoucherRedemption.code == code, VoucherRedemption.account_id == account_id
    )
    return session.scalars(query).first() is not None
