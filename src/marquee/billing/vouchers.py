"""Vouchers and gift codes (the manual provider): ``days`` of a plan for each account that
redeems the code, once per account, ``max_uses`` accounts in all, until the code expires.
Admins grant days of a plan the same way, without a code."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marquee.billing import lifecycle, repository
from marquee.billing.errors import PlanNotFound, VoucherNotFound, VoucherRefused
from marquee.billing.models import Plan, Subscription, Voucher, VoucherRedemption
from marquee.kit.db import utcnow

#: Unambiguous letters and digits (no 0/O, 1/I/L), in groups a person can type.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code() -> str:
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


def create(
    session: Session, *, plan_id: str, days: int, uses: int = 1, expires_at: datetime | None
) -> Voucher:
    if session.get(Plan, plan_id) is None:
        raise PlanNotFound(plan_id)
    voucher = Voucher(
        code=new_code(), plan_id=plan_id, days=days, max_uses=uses, expires_at=expires_at
    )
    session.add(voucher)
    session.flush()
    return voucher


def redeem(session: Session, *, account_id: str, code: str) -> Subscription:
    """Give the account the voucher's days; refused when it expired, is used up or was
    redeemed by this account before. The use is counted by one conditional UPDATE, so two
    accounts racing for the last use cannot both get it."""
    voucher = session.get(Voucher, code.strip().upper())
    if voucher is None:
        raise VoucherNotFound
    if voucher.expires_at is not None and voucher.expires_at <= utcnow():
        raise VoucherRefused("This voucher has expired.", slug="voucher-expired")
    if repository.redeemed(session, code=voucher.code, account_id=account_id):
        raise VoucherRefused(
            "This account has already redeemed this voucher.", slug="voucher-already-redeemed"
        )
    counted = session.execute(
        update(Voucher)
        .where(Voucher.code == voucher.code, Voucher.uses < Voucher.max_uses)
        .values(uses=Voucher.uses + 1)
    )
    if counted.rowcount != 1:  # type: ignore[attr-defined]
        raise VoucherRefused("This voucher has been used up.", slug="voucher-used-up")
    try:
        with session.begin_nested():
            session.add(VoucherRedemption(code=voucher.code, account_id=account_id))
    except IntegrityError as exc:  # the same account, twice at once
        raise VoucherRefused(
            "This account has already redeemed this voucher.", slug="voucher-already-redeemed"
        ) from exc
    return grant(session, account_id=account_id, plan_id=voucher.plan_id, days=voucher.days)


def grant(session: Session, *, account_id: str, plan_id: str, days: int) -> Subscription:
    """``days`` of ``plan_id``: added to a running grant of the same plan, else from now
    (a paying subscription is left to its provider)."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise PlanNotFound(plan_id)
    sub = repository.subscription_of(session, account_id)
    if sub is not None and sub.provider == "stripe" and sub.status != "expired":
        raise VoucherRefused(
            "This account pays by card: cancel that subscription first.", slug="already-paying"
        )
    running = sub is not None and sub.provider == "grant" and sub.status == "active"
    if sub is not None and running and sub.plan_id == plan_id:
        sub.current_period_end += timedelta(days=days)
        session.flush()
        lifecycle.changed(session, sub)
        return sub
    sub = sub or Subscription(account_id=account_id, currency="USD")
    lifecycle.start(
        session,
        sub,
        plan=plan,
        provider="grant",
        period_end=utcnow() + timedelta(days=days),
    )
    return sub
