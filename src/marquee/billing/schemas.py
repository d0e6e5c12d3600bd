"""Billing's API types. Other domains may import these (and :mod:`.service`).

``Account`` and ``AccountExport`` are identity's account with billing's subscription added:
the API shows them together, and only billing (above identity) may know both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from marquee.identity.schemas import AccountDetails, Device, Profile

SubscriptionStatus = Literal["trialing", "active", "past_due", "suspended", "canceled", "expired"]


class Subscription(BaseModel):
    plan_id: str
    status: SubscriptionStatus
    started_at: datetime
    trial_ends_at: datetime | None
    current_period_end: datetime
    canceled_at: datetime | None
    provider: str = Field(
        default="manual", description="manual, grant (an admin's or a voucher's) or stripe"
    )
    pending_plan_id: str | None = Field(
        default=None, description="A downgrade that takes effect when the period ends"
    )


class Account(AccountDetails):
    # No docstring: the class's docstring would become the OpenAPI schema's description.
    subscription: Subscription | None


class Plan(BaseModel):
    id: str
    name: str
    max_streams: int
    max_height: int
    download_devices: int
    prices: dict[str, int] = Field(description="Price per month in minor units, by ISO 4217 code")


class TaxRate(BaseModel):
    country: str
    name: str = Field(description="VAT, GST, ...")
    rate: str = Field(description="A decimal fraction, e.g. 0.19")
    inclusive: bool = Field(description="Prices are shown with the tax in them")


class TaxedPrice(BaseModel):
    """A monthly price in minor units: before tax, the tax, the total charged, and what is
    shown (the total where prices include tax, else the price before tax)."""

    net: int
    tax: int
    total: int
    shown: int


class PlanInCountry(Plan):
    tax: TaxRate | None = Field(default=None, description="The country's rate; null: unknown")
    taxed_prices: dict[str, TaxedPrice] = Field(
        default_factory=dict, description="By ISO 4217 code, with the country's tax"
    )


class PlanOffer(BaseModel):
    """What a new viewer is offered where they are: the plans taxed as in their country (from
    their address), and the free trial's days."""

    country: str
    trial_days: int
    plans: list[PlanInCountry]


class SubscriptionChange(BaseModel):
    plan_id: str


class CheckoutStart(BaseModel):
    plan_id: str
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")


class Link(BaseModel):
    url: str


class WebhookReceived(BaseModel):
    applied: bool = Field(description="False for an event seen before or not handled")


class VoucherRedeem(BaseModel):
    code: str = Field(min_length=1, max_length=64)


class AdminSubscriptionChange(BaseModel):
    plan_id: str
    status: SubscriptionStatus = "active"


class Entitlement(BaseModel):
    """What the account may watch now; playback asks for this before every session."""

    plan_id: str | None
    #: A suspended subscription shows as ``past_due`` with ``payment_required`` (the round-one
    #: clients know these five statuses).
    status: Literal["trialing", "active", "past_due", "canceled", "expired"] | None
    max_streams: int
    max_height: int
    download_devices: int
    can_watch: bool
    payment_required: bool = Field(
        default=False,
        description="Suspended after a failed payment: fix the card (the portal) to watch again",
    )


# The account, its profiles and devices, and what every domain holds of them. (No docstring:
# it would become the schema's description, and round one's document had none.)
class AccountExport(BaseModel):
    exported_at: datetime
    account: Account
    profiles: list[Profile]
    devices: list[Device]
    data: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="By domain (identity, billing, catalog, playback, discovery, ...): each "
        "one's rows about the account and its profiles (history, sessions, plays, ...)",
    )


class InvoiceLine(BaseModel):
    position: int = Field(description="1, 2, ... in the invoice")
    description: str
    net: int = Field(description="Minor units before tax")
    tax_rate: str = Field(description="A decimal fraction, e.g. 0.19")
    tax: int
    total: int


class Invoice(BaseModel):
    """An invoice for a charge, or a credit note for a refund of one (``kind``); amounts in
    minor units of ``currency``."""

    number: str = Field(description="Gap-free in its series: INV-000042, INV-CN-000003")
    kind: Literal["invoice", "credit_note"]
    issued_at: datetime
    customer_email: str
    country: str | None
    plan_id: str | None
    currency: str
    net: int
    tax: int
    total: int
    lines: list[InvoiceLine]
    provider: str
    refunded: int = Field(description="Refunded so far (credit notes) of an invoice")
    credited_invoice: str | None = Field(description="A credit note's invoice number")
    reason: str | None = None
    pdf_url: str


class RefundRequest(BaseModel):
    amount: int | None = Field(
        default=None, gt=0, description="Minor units; unset: what is left of the invoice"
    )
    reason: str | None = Field(default=None, max_length=255)


class Grant(BaseModel):
    plan_id: str
    days: int = Field(ge=1, le=3660)


class AdminSubscription(BaseModel):
    """A subscription as the admin billing view lists it."""

    account_id: str
    email: str
    plan_id: str
    status: SubscriptionStatus
    provider: str
    currency: str
    current_period_end: datetime = Field(description="The next renewal (or the end)")
    pending_plan_id: str | None
    grace_ends_at: datetime | None
