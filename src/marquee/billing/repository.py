"""Billing's queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.billing.models import Plan, Subscription, VoucherRedemption


def plans(session: Session) -> Sequence[Plan]:
    return session.scalars(select(Plan).order_by(Plan.rank)).all()


def subscription_of(session: Session, account_id: str) -> Subscription | None:
    query = select(Subscription).where(Subscription.account_id == account_id)
    return session.scalars(query).one_or_none()


def by_customer(session: Session, customer_ref: str) -> Subscription | None:
    query = select(Subscription).where(Subscription.customer_ref == customer_ref)
    return session.scalars(query).first()


def redeemed(session: Session, *, code: str, account_id: str) -> bool:
    query = select(VoucherRedemption.id).where(
        VoucherRedemption.code == code, VoucherRedemption.account_id == account_id
    )
    return session.scalars(query).first() is not None
