"""Billing's rules: the domain's public face.

Plans are rows (seeded by a migration). A payment provider (``MARQUEE_BILLING_PROVIDER``)
takes the money: with ``manual`` a plan chosen in the app takes effect at once and nobody pays
(admins grant plans, vouchers give days of one); with ``stripe`` a subscription starts through
Checkout and moves on by Stripe's webhooks. :mod:`.lifecycle` holds the states and their
events. Other domains ask :func:`entitlement` what an account may watch, and
:func:`refuse_unpaid` refuses a suspended one. The account as the API shows it (identity's
account and its subscription) and its export are put together here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from marquee.billing import (
    invoices,
    lifecycle,
    pdf,
    repository,
    schemas,
    taxes,
    views,
    vouchers,
    webhooks,
)
from marquee.billing.errors import (
    CheckoutRequired,
    NoSubscription,
    PaymentRequired,
    PlanNotFound,
)
from marquee.billing.models import Plan, Subscription
from marquee.billing.providers import open_provider
from marquee.billing.providers.base import Checkout, NotWithThisProvider
from marquee.identity import service as identity
from marquee.identity.schemas import Principal
from marquee.kit import personal_data
from marquee.kit.db import utcnow
from marquee.settings import Settings

WATCHING_STATUSES = ("trialing", "active", "past_due", "canceled")


def list_plans(session: Session) -> list[schemas.Plan]:
    return [views.plan(row) for row in repository.plans(session)]


def plans_in_country(session: Session, *, country: str) -> list[schemas.PlanInCountry]:
    """The plans with their prices taxed as in ``country`` (unknown country: no tax shown)."""
    rate = taxes.rate_for(country)
    return [
        schemas.PlanInCountry(
            **dict(plan),
            tax=rate,
            taxed_prices={}
            if rate is None
            else {code: taxes.taxed(amount, rate) for code, amount in plan.prices.items()},
        )
        for plan in list_plans(session)
    ]


def plan_offer(session: Session, *, settings: Settings, country: str) -> schemas.PlanOffer:
    """The plans priced for a viewer in ``country``, and the trial a new account gets."""
    return schemas.PlanOffer(
        country=country.upper(),
        trial_days=settings.trial_days,
        plans=plans_in_country(session, country=country),
    )


def _plan(session: Session, plan_id: str) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise PlanNotFound(plan_id)
    return plan


def set_subscription(
    session: Session,
    *,
    settings: Settings,
    account_id: str,
    plan_id: str,
    status: schemas.SubscriptionStatus | None = None,
) -> schemas.Subscription:
    """Put the account on ``plan_id``: a new subscription (manual provider only: with Stripe
    it starts through :func:`checkout`), an upgrade now with proration, a downgrade at the
    period's end, or a canceled subscription reactivated. ``status`` is for admins: the plan
    and status are set at once, whatever the provider."""
    identity.get_account(session, account_id=account_id)  # 404 when there is no such account
    plan = _plan(session, plan_id)
    sub = repository.subscription_of(session, account_id)
    if status is not None:
        return views.subscription(_admin_set(session, settings, account_id, sub, plan, status))
    current = None if sub is None else lifecycle.catch_up(session, sub)
    paying = sub is not None and sub.provider == "stripe" and current != "expired"
    if settings.billing_provider == "stripe" and not paying:
        raise CheckoutRequired  # a granted plan is not changed for free either
    if sub is None or current == "expired":
        sub = sub or Subscription(account_id=account_id, currency="USD")
        lifecycle.start(session, sub, plan=plan, provider="manual", trial_days=settings.trial_days)
        return views.subscription(sub)
    if current == "suspended":
        raise PaymentRequired
    if current == "canceled":
        _provider_cancel(settings, sub, cancel=False)
        lifecycle.reactivate(sub)
        lifecycle.changed(session, sub)
    _change_plan(session, settings, sub, plan)
    return views.subscription(sub)


def _admin_set(
    session: Session,
    settings: Settings,
    account_id: str,
    sub: Subscription | None,
    plan: Plan,
    status: schemas.SubscriptionStatus,
) -> Subscription:
    if sub is None:
        sub = Subscription(account_id=account_id, currency="USD")
        lifecycle.start(session, sub, plan=plan, provider="manual")
    sub.plan_id, sub.status, sub.pending_plan_id = plan.id, status, None
    if status == "past_due":
        lifecycle.payment_failed(sub, grace_days=settings.billing_grace_days)
    elif status != "suspended":
        sub.grace_ends_at = None
    if status in ("active", "trialing") and sub.current_period_end <= utcnow():
        sub.current_period_start = utcnow()
        sub.current_period_end = utcnow() + lifecycle.BILLING_PERIOD
    session.flush()
    lifecycle.changed(session, sub)
    return sub


def _change_plan(session: Session, settings: Settings, sub: Subscription, plan: Plan) -> None:
    old = _plan(session, sub.plan_id)
    if plan.id == old.id:
        sub.pending_plan_id = None  # choosing the current plan again keeps it
        return
    upgrade = plan.rank > old.rank
    if sub.subscription_ref:
        open_provider(settings).change_price(
            subscription_ref=sub.subscription_ref,
            plan_id=plan.id,
            amount=taxes.charged(lifecycle.price(plan, sub.currency), sub.country),
            currency=sub.currency,
            prorate=upgrade,
        )
    if upgrade:
        lifecycle.upgrade(session, sub, old=old, new=plan)
    else:
        lifecycle.downgrade(session, sub, new=plan)


def cancel_subscription(
    session: Session, *, account_id: str, settings: Settings | None = None
) -> schemas.Subscription:
    """Cancel at the end of the paid period: watching goes on until then. ``settings`` reach
    the provider of a subscription paid through one (required for those)."""
    sub = repository.subscription_of(session, account_id)
    if sub is None:
        raise NoSubscription
    if lifecycle.catch_up(session, sub) not in ("expired", "canceled"):
        _provider_cancel(settings, sub, cancel=True)
        lifecycle.cancel(session, sub)
    return views.subscription(sub)


def _provider_cancel(settings: Settings | None, sub: Subscription, *, cancel: bool) -> None:
    if sub.subscription_ref:
        if settings is None:
            raise TypeError("the settings are needed to reach the subscription's provider")
        open_provider(settings).cancel_at_period_end(
            subscription_ref=sub.subscription_ref, cancel=cancel
        )


def checkout(
    session: Session,
    *,
    settings: Settings,
    account_id: str,
    form: schemas.CheckoutStart,
    country: str | None = None,
) -> schemas.Link:
    """The provider's page where the account pays for a new subscription to ``plan_id``; the
    price is the plan's, taxed as in ``country`` (the client names only the plan and the
    currency)."""
    plan = _plan(session, form.plan_id)
    if form.currency not in plan.prices:
        raise PlanNotFound(f"{plan.id} in {form.currency}")
    account = identity.get_account(session, account_id=account_id)
    sub = repository.subscription_of(session, account_id)
    if (
        sub is not None
        and sub.provider == "stripe"
        and lifecycle.catch_up(session, sub) != "expired"
    ):
        raise NotWithThisProvider(
            "This account pays already: change its plan with PUT /account/subscription."
        )
    base = settings.public_url.rstrip("/")
    url = open_provider(settings).checkout_url(
        Checkout(
            account_id=account_id,
            email=account.email,
            plan_id=plan.id,
            plan_name=plan.name,
            amount=taxes.charged(lifecycle.price(plan, form.currency), country),
            currency=form.currency,
            country=None if country is None else country.upper(),
            trial_days=0 if sub is not None and sub.trial_used else settings.trial_days,
            customer_ref=None if sub is None else sub.customer_ref,
            success_url=f"{base}/account?checkout=done",
            cancel_url=f"{base}/account?checkout=canceled",
        )
    )
    return schemas.Link(url=url)


def portal(session: Session, *, settings: Settings, account_id: str) -> schemas.Link:
    """The provider's page for the account's cards and invoices (where a failed payment is
    fixed)."""
    sub = repository.subscription_of(session, account_id)
    if sub is None or not sub.customer_ref:
        raise NoSubscription
    url = open_provider(settings).portal_url(
        customer_ref=sub.customer_ref, return_url=f"{settings.public_url.rstrip('/')}/account"
    )
    return schemas.Link(url=url)


def handle_stripe_webhook(
    session: Session, *, settings: Settings, payload: bytes, signature: str
) -> bool:
    """Verify and apply a Stripe webhook once; whether it changed anything."""
    if settings.billing_provider != "stripe":
        raise NotWithThisProvider("Stripe is not this platform's payment provider.")
    event = open_provider(settings).verify_webhook(payload, signature)
    return event is not None and webhooks.apply_once(session, settings=settings, event=event)


def create_voucher(
    session: Session, *, plan_id: str, days: int, uses: int = 1, expires_at: datetime | None
) -> str:
    """A new voucher's code: ``days`` of ``plan_id`` for each of ``uses`` accounts."""
    return vouchers.create(
        session, plan_id=plan_id, days=days, uses=uses, expires_at=expires_at
    ).code


def redeem_voucher(
    session: Session, *, account_id: str, code: str, settings: Settings | None = None
) -> schemas.Subscription:
    """Redeem a voucher; with ``settings``, the account gets an invoice of 0 for it."""
    sub = vouchers.redeem(session, account_id=account_id, code=code)
    if settings is not None:
        _free_invoice(session, settings, sub, f"voucher {code.strip().upper()}")
    return views.subscription(sub)


def grant(
    session: Session,
    *,
    account_id: str,
    plan_id: str,
    days: int,
    settings: Settings | None = None,
) -> schemas.Subscription:
    """An admin's gift: ``days`` of ``plan_id``, no payment; with ``settings``, the account
    gets an invoice of 0 for it."""
    identity.get_account(session, account_id=account_id)
    sub = vouchers.grant(session, account_id=account_id, plan_id=plan_id, days=days)
    if settings is not None:
        _free_invoice(session, settings, sub, f"granted, {days} days")
    return views.subscription(sub)


def _free_invoice(session: Session, settings: Settings, sub: Subscription, why: str) -> None:
    """The invoice of a plan given, not sold: the account's record of it (nothing is due)."""
    plan = _plan(session, sub.plan_id)
    until = sub.current_period_end.date().isoformat()
    invoices.issue(
        session,
        settings=settings,
        account_id=sub.account_id,
        charged=[(f"{plan.name} plan until {until} ({why})", 0)],
        currency=sub.currency,
        provider=sub.provider,
        plan_id=plan.id,
    )


# --- invoices, refunds and the admin's view ---------------------------------------------------


def list_invoices(session: Session, *, account_id: str) -> list[schemas.Invoice]:
    """The account's invoices and credit notes, newest first."""
    return [invoices.view(session, row) for row in invoices.of_account(session, account_id)]


def get_invoice(session: Session, *, number: str, account_id: str | None = None) -> schemas.Invoice:
    """The invoice or credit note ``number`` (only the account's own, with ``account_id``)."""
    return invoices.view(session, invoices.by_number(session, number, account_id=account_id))


def invoice_pdf(
    session: Session, *, settings: Settings, number: str, account_id: str | None = None
) -> bytes:
    return pdf.render(get_invoice(session, number=number, account_id=account_id), settings)


def refund(
    session: Session,
    *,
    settings: Settings,
    number: str,
    key: str,
    amount: int | None = None,
    reason: str | None = None,
) -> tuple[schemas.Invoice, bool]:
    """Refund ``amount`` (unset: all that is left) of invoice ``number`` through its provider,
    with a credit note and a ``billing.refunded`` event. The same ``key`` again answers the
    first credit note (the bool: whether it was made now)."""
    note, made = invoices.refund(
        session, settings=settings, number=number, amount=amount, reason=reason, key=key
    )
    return invoices.view(session, note), made


def admin_subscriptions(session: Session, *, limit: int = 200) -> list[schemas.AdminSubscription]:
    """Subscriptions for the admin's billing view: past due and suspended first, then by the
    next renewal."""
    rows = []
    for sub in repository.subscriptions(session, limit=limit):
        lifecycle.catch_up(session, sub)
        email = identity.get_account(session, account_id=sub.account_id).email
        rows.append(schemas.AdminSubscription.model_validate({**vars(sub), "email": email}))
    unpaid = ("past_due", "suspended")
    return sorted(rows, key=lambda row: (row.status not in unpaid, row.current_period_end))


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
    status = lifecycle.catch_up(session, sub)
    return schemas.Entitlement(
        plan_id=plan.id,
        status="past_due" if status == "suspended" else status,
        max_streams=plan.max_streams,
        max_height=plan.max_height,
        download_devices=plan.download_devices,
        can_watch=status in WATCHING_STATUSES,
        payment_required=status == "suspended",
    )


def refuse_unpaid(rights: schemas.Entitlement) -> None:
    """Raise the ``payment-required`` problem (with the link to fix the card) for an account
    suspended after a failed payment; playback and downloads call it after :func:`entitlement`."""
    if rights.payment_required:
        raise PaymentRequired


# --- the account as the API shows it ---------------------------------------------------------


def get_account(session: Session, *, account_id: str) -> schemas.Account:
    """Identity's account with its subscription (its status caught up with the calendar)."""
    details = identity.get_account(session, account_id=account_id)
    sub = repository.subscription_of(session, account_id)
    if sub is not None:
        lifecycle.catch_up(session, sub)
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
