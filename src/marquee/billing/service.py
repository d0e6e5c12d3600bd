"""Billing's rules: the domain's public face.

Plans are rows (seeded by a migration). Without payment providers a change of plan takes
effect at once; periods are :data:`BILLING_PERIOD` long, and canceled and trial periods end by
the calendar (the row catches up when read). Other domains ask :func:`entitlement` what an
account may watch. The account as the API shows it (identity's account and its subscription)
and its export are put together here.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from marquee.billing import repository, schemas, views
from marquee.billing.errors import NoSubscription, PlanNotFound
from marquee.billing.events import SUBSCRIPTION_CHANGED, SubscriptionChanged
from marquee.billing.models import Plan, Subscription
from marquee.identity import service as identity
from marquee.identity.schemas import Principal
from marquee.kit import personal_data
from marquee.kit.db import utcnow
from marquee.kit.events import publish
from marquee.settings import Settings

BILLING_PERIOD = timedelta(days=30)
WATCHING_STATUSES = ("trialing", "active", "past_due", "canceled")


def list_plans(session: Session) -> list[schemas.Plan]:
    return [views.plan(row) for row in repository.plans(session)]


def set_subscription(
    session: Session,
    *,
    settings: Settings,
    account_id: str,
    plan_id: str,
    status: schemas.SubscriptionStatus | None = None,
) -> schemas.Subscription:
    """Put the account on ``plan_id``. Without payment providers the change takes effect at
    once; ``status`` is for admins (a new subscription starts trialing or active)."""
    identity.get_account(session, account_id=account_id)  # 404 when there is no such account
    if session.get(Plan, plan_id) is None:
        raise PlanNotFound(plan_id)
    sub = repository.subscription_of(session, account_id) or _new_subscription(
        session, settings, account_id
    )
    sub.plan_id = plan_id
    if _current_status(sub) in ("canceled", "expired"):
        _restart(sub)
    if status is not None:
        sub.status = status
    session.flush()
    _changed(session, sub)
    return views.subscription(sub)


def _new_subscription(session: Session, settings: Settings, account_id: str) -> Subscription:
    now = utcnow()
    trial_end = now + timedelta(days=settings.trial_days) if settings.trial_days else None
    sub = Subscription(
        account_id=account_id,
        status="trialing" if trial_end else "active",
        started_at=now,
        trial_ends_at=trial_end,
        current_period_end=trial_end or now + BILLING_PERIOD,
    )
    session.add(sub)
    return sub


def _restart(sub: Subscription) -> None:
    now = utcnow()
    sub.status, sub.started_at, sub.canceled_at = "active", now, None
    sub.trial_ends_at, sub.current_period_end = None, now + BILLING_PERIOD


def cancel_subscription(session: Session, *, account_id: str) -> schemas.Subscription:
    """Cancel at the end of the paid period: watching goes on until then."""
    sub = repository.subscription_of(session, account_id)
    if sub is None:
        raise NoSubscription
    if sub.status != "expired":
        sub.status, sub.canceled_at = "canceled", utcnow()
    session.flush()
    _changed(session, sub)
    return views.subscription(sub)


def _changed(session: Session, sub: Subscription) -> None:
    plan = session.get(Plan, sub.plan_id)
    change = SubscriptionChanged(
        account_id=sub.account_id,
        plan_id=sub.plan_id,
        status=sub.status,
        prices=dict(plan.prices) if plan is not None else {},
        at=utcnow(),
    )
    publish(session, SUBSCRIPTION_CHANGED, change)


def _current_status(sub: Subscription) -> str:
    """Canceled and trial periods end by the calendar: the row catches up when read."""
    now = utcnow()
    ended_cancel = sub.status == "canceled" and sub.current_period_end <= now
    ended_trial = sub.status == "trialing" and (sub.trial_ends_at or now) <= now
    if ended_cancel or ended_trial:
        sub.status = "expired"
    return sub.status


def entitlement(session: Session, *, account_id: str) -> schemas.Entitlement:
    """What the account may watch now: playback calls this before starting a stream."""
    sub = repository.subscription_of(session, account_id)
    plan = None if sub is None else session.get(Plan, sub.plan_id)
    if sub is None or plan is None:
        return schemas.Entitlement(
            plan_id=None,
            status=None,
            max_streams=0,
            max_height=0,
            download_devices=0,
            can_watch=False,
        )
    status = _current_status(sub)
    return schemas.Entitlement(
        plan_id=plan.id,
        status=status,
        max_streams=plan.max_streams,
        max_height=plan.max_height,
        download_devices=plan.download_devices,
        can_watch=status in WATCHING_STATUSES,
    )


# --- the account as the API shows it ---------------------------------------------------------


def get_account(session: Session, *, account_id: str) -> schemas.Account:
    """Identity's account with its subscription (its status caught up with the calendar)."""
    details = identity.get_account(session, account_id=account_id)
    sub = repository.subscription_of(session, account_id)
    if sub is not None:
        _current_status(sub)
    subscription = None if sub is None else views.subscription(sub)
    return schemas.Account(**dict(details), subscription=subscription)


def export_account(
    session: Session, *, ident: identity.Identity, principal: Principal
) -> schemas.AccountExport:
    """Everything held for the account: identity's account, profiles and devices, the
    subscription, and under ``data`` what every domain registered with
    :mod:`marquee.kit.personal_data` holds of it (billing knows none of the domains above it)."""
    profiles = identity.list_profiles(session, account_id=principal.account_id)
    subject = personal_data.Subject(
        account_id=principal.account_id, profile_ids=tuple(profile.id for profile in profiles)
    )
    return schemas.AccountExport(
        exported_at=utcnow(),
        account=get_account(session, account_id=principal.account_id),
        profiles=profiles,
        devices=identity.list_devices(ident, principal=principal),
        data=personal_data.export(session, subject),
    )
