"""Mailed single-use links: address verification, change of address and password reset.

A link carries an :class:`~marquee.identity.models.EmailToken` row's id and an HMAC of it;
mailing a new link for the same purpose retires the earlier ones. The mail itself is the
``identity.send_mail`` job, sent after the request commits.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from marquee.identity import repository
from marquee.identity.context import ClientInfo, Identity
from marquee.identity.errors import EmailTaken, TokenExpired, TokenInvalid
from marquee.identity.models import Account, EmailToken
from marquee.identity.service.credentials import (
    LOGIN,
    normalize_email,
    require_account,
    revoke_after_commit,
    set_password,
)
from marquee.identity.tokens import read_email_token
from marquee.kit.db import after_commit, new_id, utcnow
from marquee.kit.queue import enqueue


def mail(session: Session, template: str, to: str, token_id: str | None = None) -> None:
    enqueue(session, "identity.send_mail", template=template, to=to, token_id=token_id)


def mail_token(session: Session, account: Account, purpose: str, to: str, ttl_s: float) -> None:
    """Mail a new link for ``purpose`` to ``to``; the account's earlier ones stop working."""
    now = utcnow()
    repository.retire_email_tokens(session, account.id, purpose, now)
    token = EmailToken(
        id=new_id(),
        account_id=account.id,
        purpose=purpose,
        email=to,
        expires_at=now + timedelta(seconds=ttl_s),
    )
    session.add(token)
    session.flush()
    mail(session, purpose, to, token.id)


def _use_token(
    session: Session, ident: Identity, token: str, purposes: tuple[str, ...]
) -> EmailToken:
    row = session.get(EmailToken, read_email_token(ident.keys, token))
    if row is None or row.purpose not in purposes:
        raise TokenInvalid("The link is not valid.", status=400)
    if row.used_at is not None:
        raise TokenInvalid("The link was already used.", slug="token-used", status=400)
    if row.expires_at <= utcnow():
        raise TokenExpired("The link has expired: ask for a new one.", status=400)
    if not repository.use_email_token(session, row.id, utcnow()):
        raise TokenInvalid("The link was already used.", slug="token-used", status=400)
    return row


def verify_email(session: Session, *, ident: Identity, token: str) -> None:
    """Confirm the address a verification or change-of-address link was sent to."""
    row = _use_token(session, ident, token, ("verify", "email-change"))
    account = require_account(session, row.account_id)
    if row.purpose == "email-change":
        if repository.account_by_email(session, row.email) is not None:
            raise EmailTaken("That address is now used by another account.")
        mail(session, "email-changed", account.email)
        account.email = row.email
    elif account.email != row.email:
        raise TokenInvalid("The link is for an address this account no longer uses.", status=400)
    account.email_verified_at = utcnow()
    session.flush()


def resend_verification(session: Session, *, ident: Identity, account_id: str) -> None:
    account = require_account(session, account_id)
    if account.email_verified_at is not None:
        return
    settings = ident.settings
    ident.limiter.hit(
        "verify-mail",
        account_id,
        limit=settings.reset_account_limit,
        window_s=settings.rate_limit_window_s,
    )
    mail_token(session, account, "verify", account.email, settings.verify_token_ttl_s)


def request_password_reset(
    session: Session, *, ident: Identity, email: str, client: ClientInfo
) -> None:
    """Mail a reset link if the address has an account; the answer never says which."""
    settings = ident.settings
    email = normalize_email(email)
    window = settings.rate_limit_window_s
    ident.limiter.hit("reset-ip", client.ip, limit=settings.reset_ip_limit, window_s=window)
    ident.limiter.hit("reset-account", email, limit=settings.reset_account_limit, window_s=window)
    account = repository.account_by_email(session, email)
    if account is not None:
        mail_token(session, account, "reset", account.email, settings.reset_token_ttl_s)


def reset_password(session: Session, *, ident: Identity, token: str, password: str) -> None:
    """Set a new password from a reset link: every session ends and any lock-out lifts."""
    row = _use_token(session, ident, token, ("reset",))
    account = require_account(session, row.account_id)
    set_password(session, ident, account, password)
    if account.email == row.email:
        account.email_verified_at = account.email_verified_at or utcnow()
    # After the commit: the lock-out row is written in a transaction of its own, which must
    # not wait on this one's (SQLite allows one writer).
    email = account.email
    after_commit(session, lambda: ident.limiter.succeed(LOGIN, email))
    revoke_after_commit(session, ident, account.id)
