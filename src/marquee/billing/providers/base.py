"""What billing asks of a payment provider, and the provider events it applies.

A provider takes payments and tells billing what happened through webhooks; billing keeps the
subscription's state. Amounts always come from billing's plans, never from the client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from marquee.kit.errors import Problem

ProviderEventKind = Literal[
    "checkout_completed",
    "invoice_paid",
    "invoice_failed",
    "subscription_updated",
    "subscription_deleted",
]


class PaymentProviderError(Problem):
    slug = "payment-provider-error"
    status = 502


class NotWithThisProvider(Problem):
    slug = "not-with-this-provider"
    status = 409


class BadSignature(Problem):
    slug = "bad-signature"
    status = 400


@dataclass(frozen=True)
class Checkout:
    """A sign-up or a return to a plan, paid through the provider's own page."""

    account_id: str
    email: str
    plan_id: str
    plan_name: str
    #: The plan's monthly price in minor units of ``currency`` (from billing's plans).
    amount: int
    currency: str
    trial_days: int
    customer_ref: str | None
    #: Where the customer pays tax (``amount`` has it in); it comes back with the completion.
    country: str | None
    success_url: str
    cancel_url: str


@dataclass(frozen=True)
class ProviderEvent:
    """A provider's webhook, verified and reduced to what billing needs."""

    id: str
    kind: ProviderEventKind
    customer_ref: str | None
    subscription_ref: str | None = None
    account_id: str | None = None
    plan_id: str | None = None
    #: Minor units of ``currency``: paid, or due and not paid.
    amount: int = 0
    currency: str | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    #: Stripe's ``billing_reason``: ``subscription_cycle`` is a renewal.
    reason: str | None = None
    cancel_at_period_end: bool | None = None
    trial_end: datetime | None = None
    #: The provider's own id of what the event is about (Stripe's invoice ``in_…``) and of its
    #: payment (``pi_…`` or ``ch_…``: what a refund names).
    ref: str | None = None
    payment_ref: str | None = None
    #: An invoice's lines as the provider charged them: (description, amount in minor units).
    lines: tuple[tuple[str, int], ...] = ()
    #: The customer's country (ISO 3166-1), where the provider knows it.
    country: str | None = None


@dataclass(frozen=True)
class Refund:
    """Money given back on a paid charge: ``amount`` minor units of ``payment_ref``'s payment.
    The provider makes it once per ``key``, however often it is asked."""

    payment_ref: str
    amount: int
    key: str


class PaymentProvider(Protocol):
    name: str

    def checkout_url(self, checkout: Checkout) -> str:
        """Where the viewer pays for ``checkout``."""
        ...

    def portal_url(self, *, customer_ref: str, return_url: str) -> str:
        """Where the viewer manages cards and invoices."""
        ...

    def change_price(
        self, *, subscription_ref: str, plan_id: str, amount: int, currency: str, prorate: bool
    ) -> None:
        """Charge ``amount`` from now (``prorate``: the difference for the rest of the period
        at once) or from the next period."""
        ...

    def cancel_at_period_end(self, *, subscription_ref: str, cancel: bool) -> None: ...

    def refund(self, refund: Refund) -> str | None:
        """Give the money back; the provider's id of the refund (None: nothing was taken)."""
        ...

    def verify_webhook(self, payload: bytes, signature: str) -> ProviderEvent | None:
        """The verified event, or None for an event billing does not handle; raises
        :class:`BadSignature` for a payload the provider did not sign (or signed too long ago)."""
        ...
