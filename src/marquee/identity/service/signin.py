"""Signing up, in and out: the lock-out and rate limits around it, the device session it opens
(cookie, CSRF token, access token and a rotating refresh token) and the refresh itself."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from marquee.identity import repository, schemas
from marquee.identity.context import ClientInfo, Identity
from marquee.identity.errors import InvalidCredentials
from marquee.identity.passwords import check_policy
from marquee.identity.service import approvals, second_factor
from marquee.identity.service.accounts import register_account
from marquee.identity.service.credentials import (
    check_password,
    count_failure,
    normalize_email,
    raise_if_locked,
)
from marquee.identity.service.mail_links import mail, mail_token
from marquee.identity.sessions import SessionRecord
from marquee.identity.tokens import (
    issue_access_token,
    issue_refresh_token,
    random_token,
    read_refresh_token,
)
from marquee.kit.db import new_id


@dataclass(frozen=True)
class SignedIn:
    """Tokens for API clients, plus the cookie values for a browser."""

    tokens: schemas.Tokens
    session_cookie: str
    csrf_token: str


def signup(
    session: Session, *, ident: Identity, form: schemas.Credentials, client: ClientInfo
) -> SignedIn:
    """Create an account and sign it in.

    An address that already has an account gets the same answer (status, shape, timing) with
    tokens that open nothing, and its owner is told by mail: a stranger learns nothing here.
    """
    settings = ident.settings
    ident.limiter.hit(
        "signup-ip",
        client.ip,
        limit=settings.signup_ip_limit,
        window_s=settings.rate_limit_window_s,
    )
    email = normalize_email(form.email)
    if repository.account_by_email(session, email) is not None:
        check_policy(form.password, email=email, min_length=settings.password_min_length)
        ident.passwords.hash(form.password)
        mail(session, "signup-existing", email)
        return _decoy_sign_in(ident)
    account = register_account(session, settings=settings, email=email, password=form.password)
    mail_token(session, account, "verify", email, settings.verify_token_ttl_s)
    return _start_session(session, ident, account.id, client)


def login(
    session: Session, *, ident: Identity, form: schemas.Credentials, client: ClientInfo
) -> SignedIn | schemas.MfaChallenge:
    settings = ident.settings
    email = normalize_email(form.email)
    window = settings.rate_limit_window_s
    ident.limiter.hit("login-ip", client.ip, limit=settings.login_ip_limit, window_s=window)
    ident.limiter.hit("login-account", email, limit=settings.login_account_limit, window_s=window)
    account = repository.account_by_email(session, email)
    if account is None:
        _refuse_unknown(ident, email, form.password)
        raise InvalidCredentials
    check_password(ident, account, form.password, InvalidCredentials)
    if account.totp_secret is not None:
        return second_factor.challenge(ident, account.id)
    return _start_session(session, ident, account.id, client)


def login_mfa(
    session: Session, *, ident: Identity, form: schemas.MfaLogin, client: ClientInfo
) -> SignedIn:
    """The second step of a sign-in that :func:`login` answered with a challenge."""
    account = second_factor.redeem(session, ident, form)
    return _start_session(session, ident, account.id, client)


def _refuse_unknown(ident: Identity, email: str, password: str) -> None:
    """Exactly what a wrong password costs: the lock check, an argon2 verify, a failure count."""
    raise_if_locked(ident, email)
    ident.passwords.verify_nothing(password)
    count_failure(ident, email)


def _start_session(
    session: Session, ident: Identity, account_id: str, client: ClientInfo
) -> SignedIn:
    refresh = issue_refresh_token(account_id, new_id(), 1, ident.settings.session_ttl_s)
    record, cookie_secret = ident.sessions.create(
        session,
        account_id,
        user_agent=client.user_agent,
        ip=client.ip,
        country=client.country,
        refresh=refresh,
    )
    approvals.grant(ident, record.id)  # the password was just given
    return SignedIn(
        tokens=_tokens(ident, account_id, record.id, refresh.encode(ident.keys)),
        session_cookie=f"{account_id}.{record.id}.{cookie_secret}",
        csrf_token=csrf_token(ident, session_id=record.id),
    )


def _decoy_sign_in(ident: Identity) -> SignedIn:
    """Well-formed, signed credentials for a session that does not exist."""
    account_id, session_id = new_id(), new_id()
    refresh = issue_refresh_token(account_id, session_id, 1, ident.settings.session_ttl_s)
    return SignedIn(
        tokens=_tokens(ident, account_id, session_id, refresh.encode(ident.keys)),
        session_cookie=f"{account_id}.{session_id}.{random_token()}",
        csrf_token=csrf_token(ident, session_id=session_id),
    )


def _tokens(ident: Identity, account_id: str, session_id: str, refresh: str) -> schemas.Tokens:
    ttl = ident.settings.access_token_ttl_s
    return schemas.Tokens(
        account_id=account_id,
        access_token=issue_access_token(ident.keys, account_id, session_id, ttl),
        refresh_token=refresh,
        expires_in=ttl,
    )


def csrf_token(ident: Identity, *, session_id: str) -> str:
    """The double-submit token, bound to the session so another site cannot plant one."""
    return ident.keys.mac("csrf", session_id)


def refresh(ident: Identity, *, refresh_token: str) -> schemas.Tokens:
    """Rotate: the presented token is spent; presenting it again signs the session out."""
    presented = read_refresh_token(ident.keys, refresh_token)
    record = ident.sessions.require(presented.account_id, presented.session_id)
    successor = issue_refresh_token(
        record.account_id, record.id, presented.generation + 1, ident.settings.session_ttl_s
    )
    ident.sessions.rotate_refresh(record, presented, successor)
    return _tokens(ident, record.account_id, record.id, successor.encode(ident.keys))


def logout(ident: Identity, *, record: SessionRecord) -> None:
    ident.sessions.revoke(record.account_id, record.id)
