"""Rows to API types."""

from __future__ import annotations

from marquee.identity import schemas
from marquee.identity.models import Account, Plan, Profile, Subscription


def profile(row: Profile) -> schemas.Profile:
    return schemas.Profile(
        id=row.id,
        name=row.name,
        avatar=row.avatar,
        language=row.language,
        maturity=row.maturity,
        has_pin=row.pin_hash is not None,
        created_at=row.created_at,
    )


def subscription(row: Subscription) -> schemas.Subscription:
    return schemas.Subscription.model_validate(row, from_attributes=True)


def plan(row: Plan) -> schemas.Plan:
    return schemas.Plan.model_validate(row, from_attributes=True)


def account(row: Account, sub: Subscription | None) -> schemas.Account:
    return schemas.Account(
        id=row.id,
        email=row.email,
        email_verified=row.email_verified_at is not None,
        role=row.role,
        mfa_enabled=row.totp_secret is not None,
        created_at=row.created_at,
        subscription=None if sub is None else subscription(sub),
    )
