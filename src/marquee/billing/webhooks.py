"""Provider events applied to subscriptions, each once: its id goes into
``billing_processed_webhooks`` in the same transaction as its effect, so a webhook delivered
again (or twice at once: the second insert fails on the key) changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marquee.billing import invoices, lifecycle, repository
from marquee.billing.events import INVOICE_FAILED, INVOICE_PAID
from marquee.billing.models import Plan, ProcessedWebhook, Subscription
from marquee.billing.providers.base import ProviderEvent
from marquee.identity import service as identity
from marquee.kit.queue import enqueue
from marquee.settings import Settings

log = logging.getLogger(__name__)


def apply_once(session: Session, *, settings: Settings, event: ProviderEvent) -> bool:
    """Apply ``event`` unless it was applied before; whether it was applied now."""
    try:
        with session.begin_nested():
            session.add(ProcessedWebhook(id=event.id, kind=event.kind))
    except IntegrityError:
        log.info("billing: provider event %s already processed", event.id)
        return False
    _HANDLERS[event.kind](session, settings, event)
    return True


def _checkout_completed(session: Session, settings: Settings, event: ProviderEvent) -> None:
    plan = session.get(Plan, event.plan_id or "")
    if event.account_id is None or plan is None:
        log.warning("billing: checkout %s names no known account and plan", event.id)
        return
    sub = repository.subscription_of(session, event.account_id) or Subscription(
        account_id=event.account_id
    )
    sub.customer_ref, sub.subscription_ref = event.customer_ref, event.subscription_ref
    sub.currency = event.currency or sub.currency or "USD"
    sub.country = event.country
    lifecycle.start(session, sub, plan=plan, provider="stripe", trial_days=settings.trial_days)


def _subscription(session: Session, event: ProviderEvent) -> Subscription | None:
    sub = repository.by_customer(session, event.customer_ref) if event.customer_ref else None
    if sub is None:
        log.warning("billing: provider event %s for an unknown customer", event.id)
    return sub


def _invoice_paid(session: Session, settings: Settings, event: ProviderEvent) -> None:
    """Paid: a renewal (``subscription_cycle``: also the first charge after a trial, and a
    failed renewal paid once the card is fixed), or another invoice (the first one, an
    upgrade's proration); either way the subscription is active again at once."""
    sub = _subscription(session, event)
    if sub is None:
        return
    lifecycle.revenue(session, INVOICE_PAID, sub, event.amount)
    _mail(session, sub, "receipt", event.amount)
    if event.amount > 0:
        _issue_invoice(session, settings, sub, event)
    if event.reason == "subscription_cycle":
        start = event.period_start or sub.current_period_end
        end = event.period_end or start + lifecycle.BILLING_PERIOD
        lifecycle.renew(session, sub, amount=event.amount, period_start=start, period_end=end)
    elif sub.status in ("past_due", "suspended"):
        sub.status, sub.grace_ends_at = "active", None
        session.flush()
        lifecycle.changed(session, sub)


def _issue_invoice(
    session: Session, settings: Settings, sub: Subscription, event: ProviderEvent
) -> None:
    """Stripe's lines where they add up to what was paid, else one line for the plan."""
    charged = list(event.lines)
    if not charged or sum(amount for _, amount in charged) != event.amount:
        plan = session.get(Plan, sub.plan_id)
        charged = [(f"{plan.name if plan else sub.plan_id} plan", event.amount)]
    invoices.issue(
        session,
        settings=settings,
        account_id=sub.account_id,
        charged=charged,
        currency=event.currency or sub.currency,
        provider="stripe",
        plan_id=sub.plan_id,
        country=event.country or sub.country,
        provider_ref=event.ref,
        payment_ref=event.payment_ref,
    )


def _invoice_failed(session: Session, settings: Settings, event: ProviderEvent) -> None:
    sub = _subscription(session, event)
    if sub is None:
        return
    lifecycle.payment_failed(sub, grace_days=settings.billing_grace_days)
    session.flush()
    lifecycle.revenue(session, INVOICE_FAILED, sub, event.amount)
    _mail(session, sub, "payment-failed", event.amount)


def _subscription_updated(session: Session, _settings: Settings, event: ProviderEvent) -> None:
    """The portal (or Stripe itself) changed the subscription: cancellation and its period."""
    sub = _subscription(session, event)
    if sub is None:
        return
    if event.cancel_at_period_end and sub.status != "canceled":
        lifecycle.cancel(session, sub)
    elif event.cancel_at_period_end is False and sub.status == "canceled":
        lifecycle.reactivate(sub)
        lifecycle.changed(session, sub)
    if event.period_end is not None and event.period_end > sub.current_period_end:
        sub.current_period_end = event.period_end
        sub.current_period_start = event.period_start or sub.current_period_start


def _subscription_deleted(session: Session, _settings: Settings, event: ProviderEvent) -> None:
    sub = _subscription(session, event)
    if sub is None:
        return
    sub.status = "expired"
    session.flush()
    lifecycle.changed(session, sub)


def _mail(session: Session, sub: Subscription, template: str, amount: int) -> None:
    plan = session.get(Plan, sub.plan_id)
    enqueue(
        session,
        "billing.send_mail",
        template=template,
        to=identity.get_account(session, account_id=sub.account_id).email,
        plan=plan.name if plan else sub.plan_id,
        amount=amount,
        currency=sub.currency,
    )


_HANDLERS: dict[str, Callable[[Session, Settings, ProviderEvent], None]] = {
    "checkout_completed": _checkout_completed,
    "invoice_paid": _invoice_paid,
    "invoice_failed": _invoice_failed,
    "subscription_updated": _subscription_updated,
    "subscription_deleted": _subscription_deleted,
}
