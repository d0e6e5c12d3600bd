"""Events billing publishes (after commit, at least once; handlers must be idempotent)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from marquee.kit.events import declare


class SubscriptionChanged(BaseModel):
    """An account's subscription as it is after the change."""

    account_id: str
    plan_id: str
    #: ``trialing``, ``active``, ``canceled`` (runs to the period's end) or ``expired``.
    status: str
    #: The plan's price per month in minor units, by ISO 4217 code.
    prices: dict[str, int]
    at: datetime


SUBSCRIPTION_CHANGED = declare("billing.subscription_changed", SubscriptionChanged)
"""An account subscribed, changed plan, cancelled or restarted: analytics counts the business."""
