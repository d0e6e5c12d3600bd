"""Events billing publishes (after commit, at least once; handlers must be idempotent)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from marquee.kit.events import declare


class SubscriptionChanged(BaseModel):
    """An account's subscription as it is after the change."""

    account_id: str
    plan_id: str
    #: ``trialing``, ``active``, ``past_due``, ``suspended``, ``canceled`` (runs to the
    #: period's end) or ``expired``.
    status: str
    #: The plan's price per month in minor units, by ISO 4217 code.
    prices: dict[str, int]
    at: datetime


SUBSCRIPTION_CHANGED = declare("billing.subscription_changed", SubscriptionChanged)
"""An account subscribed, changed plan, cancelled or restarted: analytics counts the business."""


class Revenue(BaseModel):
    """Money an account's subscription brought in, will bring in or stopped bringing in."""

    account_id: str
    plan_id: str
    #: Minor units of ``currency`` (ISO 4217): the charge, the proration of a plan change, or
    #: the monthly price a cancellation gives up.
    amount: int
    currency: str
    #: ``manual``, ``grant`` or ``stripe``.
    provider: str
    at: datetime


SUBSCRIPTION_STARTED = declare("billing.subscription_started", Revenue)
"""A new paying (or trialing) subscription; ``amount`` is the plan's monthly price."""
SUBSCRIPTION_RENEWED = declare("billing.subscription_renewed", Revenue)
"""A period was paid again; ``amount`` is what was charged."""
PLAN_CHANGED = declare("billing.plan_changed", Revenue)
"""An upgrade (now, ``amount`` the prorated difference charged) or a downgrade taking effect at
the period's end (``amount`` 0)."""
SUBSCRIPTION_CANCELED = declare("billing.subscription_canceled", Revenue)
"""Canceled at the period's end; ``amount`` is the monthly price given up."""
INVOICE_PAID = declare("billing.invoice_paid", Revenue)
INVOICE_FAILED = declare("billing.invoice_failed", Revenue)
"""A charge failed: the subscription is past due (grace period), then suspended."""
REFUNDED = declare("billing.refunded", Revenue)
"""An admin gave money back on an invoice (a credit note); ``amount`` is what was refunded."""
