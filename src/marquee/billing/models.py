"""Billing's tables. A subscription belongs to an identity account and goes with it (the
database cascades the account's deletion)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marquee.kit.db import Base, UTCDateTime, id_column_type, new_id, utcnow


class Plan(Base):
    __tablename__ = "billing_plans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    max_streams: Mapped[int] = mapped_column(Integer)
    max_height: Mapped[int] = mapped_column(Integer)
    download_devices: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer, default=0)
    prices: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Subscription(Base):
    __tablename__ = "billing_subscriptions"

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), unique=True
    )
    plan_id: Mapped[str] = mapped_column(ForeignKey("billing_plans.id"))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    trial_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    current_period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: ``manual`` (chosen in the app, nobody pays), ``grant`` (an admin's grant or a voucher:
    #: ends with its period) or ``stripe``.
    provider: Mapped[str] = mapped_column(String(16), default="manual")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    #: The provider's customer and subscription ids (Stripe's ``cus_…`` and ``sub_…``).
    customer_ref: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    subscription_ref: Mapped[str | None] = mapped_column(String(255), nullable=True)
    current_period_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: A downgrade waits for the period's end.
    pending_plan_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: A past-due subscription is suspended from here (the first failure plus the grace period).
    grace_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: One trial per account, even after the subscription ended and started again.
    trial_used: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Where the customer pays tax (ISO 3166-1), from checkout: prices are charged taxed as there.
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)


class Voucher(Base):
    """A code that gives ``days`` of ``plan_id``: a voucher or a gift, ``max_uses`` accounts
    may redeem it (each once) until ``expires_at``."""

    __tablename__ = "billing_vouchers"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("billing_plans.id"))
    days: Mapped[int] = mapped_column(Integer)
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VoucherRedemption(Base):
    __tablename__ = "billing_voucher_redemptions"
    __table_args__ = (UniqueConstraint("code", "account_id", name="uq_billing_redemption"),)

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(ForeignKey("billing_vouchers.code", ondelete="CASCADE"))
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    redeemed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProcessedWebhook(Base):
    """A provider's event already applied: a webhook delivered again changes nothing."""

    __tablename__ = "billing_processed_webhooks"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InvoiceSeries(Base):
    """The last number given in a series (an operator's invoices, or its credit notes): the
    next number is taken by a conditional UPDATE in the transaction that stores the document,
    so a rolled-back document gives its number back and the sequence has no gaps."""

    __tablename__ = "billing_invoice_series"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Invoice(Base):
    """An invoice for a charge, or a credit note (``kind``) for a refund of one. Kept when the
    account is deleted (tax law keeps invoices): only the link to the account goes."""

    __tablename__ = "billing_invoices"
    __table_args__ = (
        UniqueConstraint("provider", "provider_ref", name="uq_billing_invoice_provider_ref"),
    )

    id: Mapped[str] = mapped_column(id_column_type(), primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    #: ``invoice`` or ``credit_note``.
    kind: Mapped[str] = mapped_column(String(16), default="invoice")
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="SET NULL"), nullable=True, index=True
    )
    customer_email: Mapped[str] = mapped_column(String(320))
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    plan_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    #: Minor units; ``total`` = ``net`` + ``tax`` = the sum of the lines' totals.
    net: Mapped[int] = mapped_column(Integer)
    tax: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    #: Numbered lines: ``[{"position", "description", "net", "tax_rate", "tax", "total"}]``.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: ``stripe``, ``manual`` or ``grant``; the provider's invoice or refund id (``in_…``,
    #: ``re_…``) and, for a paid Stripe invoice, its payment (``pi_…`` or ``ch_…``).
    provider: Mapped[str] = mapped_column(String(16))
    provider_ref: Mapped[str | None] = mapped_column(String(255), nullable=True)
    payment_ref: Mapped[str | None] = mapped_column(String(255), nullable=True)
    #: A credit note's invoice, and what has been refunded of an invoice so far.
    credited_invoice_id: Mapped[str | None] = mapped_column(
        ForeignKey("billing_invoices.id"), nullable=True, index=True
    )
    refunded: Mapped[int] = mapped_column(Integer, default=0)
    #: A refund asked for twice with the same key is made once.
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    reason: Mapped[str | None] = mapped_column(String(255), nullable=True)
