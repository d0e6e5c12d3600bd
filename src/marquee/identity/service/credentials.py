"""What the other parts of identity's service share: finding an account, checking its password
under the sign-in lock-out, setting a new one, and ending its sessions once a change commits.

Nothing here is part of the public face (:mod:`marquee.identity.service`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from marquee.identity.context import Identity
from marquee.identity.errors import (
    AccountLocked,
    AccountNotFound,
    InvalidCredentials,
    WrongPassword,
)
from marquee.identity.models import Account
from marquee.identity.passwords import check_policy
from marquee.kit.db import after_commit, utcnow

LOGIN = "login"
"""The limiter's name for failed sign-ins (the lock-out), counted per address."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def require_account(session: Session, account_id: str) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise AccountNotFound
    return account


def raise_if_locked(ident: Identity, email: str) -> None:
    locked = ident.limiter.locked_for(LOGIN, email)
    if locked is not None:
        raise AccountLocked(locked)


def count_failure(ident: Identity, email: str) -> None:
    settings = ident.settings
    ident.limiter.fail(
        LOGIN, email, threshold=settings.lockout_threshold, lock_s=settings.lockout_s
    )


def check_password(
    ident: Identity,
    account: Account,
    password: str,
    error: type[InvalidCredentials] | type[WrongPassword],
) -> None:
    """Verify the account's password under the lock-out; upgrade the hash when stale."""
    raise_if_locked(ident, account.email)
    verdict = ident.passwords.verify(account.password_hash, password)
    if not verdict.ok:
        count_failure(ident, account.email)
        raise error()
    ident.limiter.succeed(LOGIN, account.email)
    if verdict.needs_rehash:
        account.password_hash = ident.passwords.hash(password)


def set_password(session: Session, ident: Identity, account: Account, password: str) -> None:
    check_policy(password, email=account.email, min_length=ident.settings.password_min_length)
    account.password_hash = ident.passwords.hash(password)
    account.password_changed_at = utcnow()
    session.flush()


def revoke_after_commit(
    session: Session, ident: Identity, account_id: str, *, keep: str | None = None
) -> None:
    """Sign the account's devices out (all but ``keep``) once the transaction commits."""
    after_commit(session, lambda: ident.sessions.revoke_all(account_id, keep=keep))
