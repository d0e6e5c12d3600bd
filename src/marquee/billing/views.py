"""Rows to API types."""

from __future__ import annotations

from marquee.billing import schemas
from marquee.billing.models import Plan, Subscription


def subscription(row: Subscription) -> schemas.Subscription:
    return schemas.Subscription.model_validate(row, from_attributes=True)


def plan(row: Plan) -> schemas.Plan:
    return schemas.Plan.model_validate(row, from_attributes=True)
