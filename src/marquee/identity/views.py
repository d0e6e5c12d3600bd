"""Rows to API types."""

from __future__ import annotations

from marquee.identity import schemas
from marquee.identity.models import Account, Profile


def profile(row: Profile) -> schemas.Profile:
    return schemas.Profile(
        id=row.id,
        name=row.name,
        avatar=row.avatar,
        language=row.language,
        maturity=row.maturity,
        has_pin=row.pin_hash is not None,
        autoplay_next=row.autoplay_next,
        created_at=row.created_at,
    )


def account(row: Account) -> schemas.AccountDetails:
    return schemas.AccountDetails(
        id=row.id,
        email=row.email,
        email_verified=row.email_verified_at is not None,
        role=row.role,
        mfa_enabled=row.totp_secret is not None,
        created_at=row.created_at,
    )
