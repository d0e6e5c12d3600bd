"""A subscription's life: start (with the account's one trial), renewal, plan changes (an
upgrade now and prorated, a downgrade at the period's end), cancellation at the period's end,
reactivation, a failed payment (``past_due``, then ``suspended`` once the grace period is
over) and payment restoring it. Every change publishes its events in the caller's transaction.

The calendar moves states on when a subscription is read (:func:`catch_up`): trials and
canceled periods end, granted periods end, manual periods roll over, grace periods run out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from marquee.billing.events import (
    PLAN_CHANGED,
    SUBSCRIPTION_CANCELED,
    SUBSCRIPTION_CHANGED,
    SUBSCRIPTION_RENEWED,
    SUBSCRIPTION_STARTED,
    Revenue,
    SubscriptionChanged,
)
from marquee.billing.models import Plan, Subscription
from marquee.kit.db import utcnow
from marquee.kit.events import EventType, publish

BILLING_PERIOD = timedelta(days=30)
#: Nobody is charged through Marquee for these: their revenue events carry 0.
UNPAID_PROVIDERS = ("manual", "grant")


def price(plan: Plan, currency: str) -> int:
    """The plan's monthly price in ``currency`` (0 where the plan has no price in it)."""
    return int(plan.prices.get(currency, 0))


def prorated(old: int, new: int, *, start: datetime, end: datetime, now: datetime) -> int:
    """What moving from a monthly ``old`` to ``new`` costs for the rest of the period."""
    whole = (end - start).total_seconds()
    left = max(0.0, (end - now).total_seconds())
    return max(0, round((new - old) * left / whole)) if whole > 0 else 0


def start(
    session: Session,
    sub: Subscription,
    *,
    plan: Plan,
    provider: str,
    trial_days: int = 0,
    period_end: datetime | None = None,
) -> None:
    """A new subscription (or a new start of an ended one), trialing if the account never had a
    trial and ``trial_days`` is set."""
    now = utcnow()
    trial = trial_days if not sub.trial_used else 0
    sub.plan_id, sub.provider, sub.pending_plan_id = plan.id, provider, None
    sub.started_at, sub.canceled_at, sub.grace_ends_at = now, None, None
    sub.current_period_start = now
    sub.trial_ends_at = now + timedelta(days=trial) if trial else None
    sub.trial_used = sub.trial_used or bool(trial)
    sub.status = "trialing" if trial else "active"
    sub.current_period_end = period_end or sub.trial_ends_at or now + BILLING_PERIOD
    session.add(sub)
    session.flush()
    charged = 0 if trial or provider in UNPAID_PROVIDERS else price(plan, sub.currency)
    revenue(session, SUBSCRIPTION_STARTED, sub, charged)


def upgrade(session: Session, sub: Subscription, *, old: Plan, new: Plan) -> int:
    """Move to ``new`` now; returns the prorated difference for the rest of the period."""
    now = utcnow()
    amount = prorated(
        price(old, sub.currency),
        price(new, sub.currency),
        start=sub.current_period_start or sub.started_at,
        end=sub.current_period_end,
        now=now,
    )
    sub.plan_id, sub.pending_plan_id = new.id, None
    session.flush()
    revenue(session, PLAN_CHANGED, sub, 0 if sub.provider in UNPAID_PROVIDERS else amount)
    return amount


def downgrade(session: Session, sub: Subscription, *, new: Plan) -> None:
    """Move to ``new`` when the period ends (the period is paid for)."""
    sub.pending_plan_id = new.id
    session.flush()
    revenue(session, PLAN_CHANGED, sub, 0)


def cancel(session: Session, sub: Subscription) -> None:
    """Cancel at the period's end: watching goes on until then."""
    sub.status, sub.canceled_at, sub.pending_plan_id = "canceled", utcnow(), None
    session.flush()
    plan = session.get(Plan, sub.plan_id)
    revenue(session, SUBSCRIPTION_CANCELED, sub, price(plan, sub.currency) if plan else 0)


def reactivate(sub: Subscription) -> None:
    """Take a cancellation back before the period ends."""
    sub.canceled_at = None
    sub.status = "trialing" if sub.trial_ends_at and sub.trial_ends_at > utcnow() else "active"


def renew(
    session: Session,
    sub: Subscription,
    *,
    amount: int,
    period_start: datetime,
    period_end: datetime,
) -> None:
    """A new period, paid (``amount``): a pending downgrade takes effect now."""
    if sub.pending_plan_id:
        sub.plan_id, sub.pending_plan_id = sub.pending_plan_id, None
    sub.current_period_start, sub.current_period_end = period_start, period_end
    sub.status, sub.grace_ends_at, sub.trial_ends_at = "active", None, None
    session.flush()
    revenue(session, SUBSCRIPTION_RENEWED, sub, amount)


def payment_failed(sub: Subscription, *, grace_days: int) -> None:
    """Past due: the grace period counts from the first failure."""
    sub.status = "past_due"
    sub.grace_ends_at = sub.grace_ends_at or utcnow() + timedelta(days=grace_days)


def catch_up(session: Session, sub: Subscription) -> str:
    """Move the subscription on by the calendar; its status now."""
    now = utcnow()
    ended = sub.current_period_end <= now
    if sub.status == "past_due" and sub.grace_ends_at is not None and sub.grace_ends_at <= now:
        sub.status = "suspended"
        changed(session, sub)
    elif ended and sub.provider == "manual" and sub.status == "active":
        _roll_over(session, sub, now)
    elif ended and _ends_with_period(sub):
        sub.status = "expired"
        changed(session, sub)
    return sub.status


def _ends_with_period(sub: Subscription) -> bool:
    """Stripe's own periods move on by its webhooks; a grant, a cancellation and a trial
    without a card end with theirs."""
    if sub.status == "canceled":
        return True
    if sub.provider == "stripe":
        return False
    return sub.status == "trialing" or (sub.provider == "grant" and sub.status == "active")


def _roll_over(session: Session, sub: Subscription, now: datetime) -> None:
    """A manual subscription renews by itself (nobody pays)."""
    start = sub.current_period_end
    while start + BILLING_PERIOD <= now:
        start += BILLING_PERIOD
    renew(session, sub, amount=0, period_start=start, period_end=start + BILLING_PERIOD)


def revenue(session: Session, event: EventType[Revenue], sub: Subscription, amount: int) -> None:
    """The revenue event, and the subscription's new state (analytics' MRR and churn)."""
    publish(
        session,
        event,
        Revenue(
            account_id=sub.account_id,
            plan_id=sub.plan_id,
            amount=amount,
            currency=sub.currency,
            provider=sub.provider,
            at=utcnow(),
        ),
    )
    changed(session, sub)


def changed(session: Session, sub: Subscription) -> None:
    plan = session.get(Plan, sub.plan_id)
    change = SubscriptionChanged(
        account_id=sub.account_id,
        plan_id=sub.plan_id,
        status=sub.status,
        prices=dict(plan.prices) if plan is not None else {},
        at=utcnow(),
    )
    publish(session, SUBSCRIPTION_CHANGED, change)
