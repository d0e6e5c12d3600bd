"""Identity's queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from marquee.identity.models import Account, EmailToken, Profile


def account_by_email(session: Session, email: str) -> Account | None:
    return session.scalars(select(Account).where(Account.email == email)).one_or_none()


def profiles_of(session: Session, account_id: str) -> Sequence[Profile]:
    query = select(Profile).where(Profile.account_id == account_id).order_by(Profile.created_at)
    return session.scalars(query).all()


def count_profiles(session: Session, account_id: str) -> int:
    query = select(func.count()).select_from(Profile).where(Profile.account_id == account_id)
    return int(session.scalar(query) or 0)


def profile_of(session: Session, account_id: str, profile_id: str) -> Profile | None:
    profile = session.get(Profile, profile_id)
    return profile if profile is not None and profile.account_id == account_id else None


def use_email_token(session: Session, token_id: str, now: datetime) -> bool:
    """Mark the token used; False when it already was (a concurrent use lost the race)."""
    result = session.execute(
        update(EmailToken)
        .where(EmailToken.id == token_id, EmailToken.used_at.is_(None))
        .values(used_at=now)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def retire_email_tokens(session: Session, account_id: str, purpose: str, now: datetime) -> None:
    """Earlier unused tokens for the same purpose stop working when a new one is mailed."""
    session.execute(
        update(EmailToken)
        .where(
            EmailToken.account_id == account_id,
            EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
