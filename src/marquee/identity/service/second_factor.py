"""Two-step sign-in: turning TOTP on and off, and the step between the password and the session
(a short-lived token in the cache that a TOTP code, used once, or a recovery code redeems).

Which TOTP time step was used last is a column of the account (``totp_last_step``), moved on by
one conditional UPDATE: a flushed or restarted cache cannot let a code be replayed, and of two
uses of one code at the same moment exactly one matches the row.
"""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy import CursorResult, or_, update
from sqlalchemy.orm import Session

from marquee.identity import mfa, schemas
from marquee.identity.context import Identity
from marquee.identity.errors import MfaState, TokenInvalid, WrongCode, WrongPassword
from marquee.identity.models import Account
from marquee.identity.service.credentials import check_password, require_account
from marquee.identity.tokens import digest, random_token

MFA_PREFIX = "identity:mfa:"
TOTP_PENDING_PREFIX = "identity:totp-pending:"
TOTP_PENDING_S = 600
MFA_ATTEMPTS = 5


def challenge(ident: Identity, account_id: str) -> schemas.MfaChallenge:
    """The password was right and the account has a second factor: ask for a code."""
    token = random_token()
    state = json.dumps({"account_id": account_id, "attempts": 0})
    ident.cache.set(MFA_PREFIX + digest(token), state, ttl_s=ident.settings.mfa_token_ttl_s)
    return schemas.MfaChallenge(mfa_token=token)


def redeem(session: Session, ident: Identity, form: schemas.MfaLogin) -> Account:
    """The account whose challenge ``form`` answers with a good code; the challenge is spent.
    Wrong codes count: after :data:`MFA_ATTEMPTS` the challenge is gone."""
    key = MFA_PREFIX + digest(form.mfa_token)
    raw = ident.cache.get(key)
    if raw is None:
        raise TokenInvalid("The sign-in step has expired: sign in again.")
    state = json.loads(raw)
    account = session.get(Account, state["account_id"])
    if account is None or not _second_factor_ok(session, ident, account, form.code):
        state["attempts"] += 1
        if state["attempts"] >= MFA_ATTEMPTS:
            ident.cache.delete(key)
        else:
            ident.cache.set(key, json.dumps(state), ttl_s=ident.cache.ttl(key) or 1)
        raise WrongCode
    ident.cache.delete(key)
    return account


def _second_factor_ok(session: Session, ident: Identity, account: Account, code: str) -> bool:
    """A TOTP code not used before, or an unused recovery code (which is then spent)."""
    assert account.totp_secret is not None
    step = mfa.matching_step(mfa.unseal(ident.keys, account.totp_secret), code.strip())
    if step is not None:
        return _spend_totp_step(session, account.id, step)
    hashed = mfa.recovery_digest(code)
    if hashed in account.recovery_codes:
        account.recovery_codes = [c for c in account.recovery_codes if c != hashed]
        return True
    return False


def _spend_totp_step(session: Session, account_id: str, step: int) -> bool:
    """Record ``step`` as the account's last used TOTP step, unless it (or a later one) already
    is: a code of that step, or of an earlier one, is then refused. The row stays locked until
    the sign-in commits, so a second use waiting on it finds the step spent."""
    result = session.execute(
        update(Account)
        .where(
            Account.id == account_id,
            or_(Account.totp_last_step.is_(None), Account.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return bool(cast("CursorResult[Any]", result).rowcount)


def start_totp(session: Session, *, ident: Identity, account_id: str) -> schemas.TotpSetup:
    account = require_account(session, account_id)
    if account.totp_secret is not None:
        raise MfaState("Two-step sign-in is already on.")
    secret = mfa.new_secret()
    ident.cache.set(TOTP_PENDING_PREFIX + account_id, secret, ttl_s=TOTP_PENDING_S)
    return schemas.TotpSetup(secret=secret, otpauth_uri=mfa.provisioning_uri(secret, account.email))


def confirm_totp(
    session: Session, *, ident: Identity, account_id: str, code: str
) -> schemas.RecoveryCodes:
    account = require_account(session, account_id)
    pending = ident.cache.get(TOTP_PENDING_PREFIX + account_id)
    if pending is None or account.totp_secret is not None:
        raise MfaState("Start two-step sign-in setup first.")
    if mfa.matching_step(pending.decode(), code.strip()) is None:
        raise WrongCode
    codes = mfa.new_recovery_codes()
    account.totp_secret = mfa.seal(ident.keys, pending.decode())
    account.recovery_codes = [mfa.recovery_digest(c) for c in codes]
    ident.cache.delete(TOTP_PENDING_PREFIX + account_id)
    session.flush()
    return schemas.RecoveryCodes(recovery_codes=codes)


def disable_totp(session: Session, *, ident: Identity, account_id: str, password: str) -> None:
    account = require_account(session, account_id)
    check_password(ident, account, password, WrongPassword)
    account.totp_secret = None
    account.totp_last_step = None
    account.recovery_codes = []
    session.flush()
