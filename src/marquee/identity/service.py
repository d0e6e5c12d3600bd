"""Identity's rules: the domain's public face.

Other domains use the FastAPI dependencies re-exported here (``CurrentAccount``, ``CurrentCaller``,
``CurrentProfile``, ``require_role``) and :func:`entitlement`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from marquee.identity import mfa, remembered, repository, schemas, views
from marquee.identity.context import ClientInfo, Identity
from marquee.identity.dependencies import (
    CurrentAccount,
    CurrentCaller,
    CurrentProfile,
    current_account,
    current_profile,
    require_role,
)
from marquee.identity.errors import (
    AccountLocked,
    AccountNotFound,
    DeviceNotFound,
    EmailTaken,
    InvalidCredentials,
    LastProfile,
    MfaState,
    NoSubscription,
    PlanNotFound,
    ProfileLimit,
    ProfileNotFound,
    RateLimited,
    TokenExpired,
    TokenInvalid,
    WrongCode,
    WrongPassword,
    WrongPin,
)
from marquee.identity.events import ACCOUNT_DELETED, PROFILE_DELETED
from marquee.identity.models import Account, EmailToken, Plan, Profile, Subscription
from marquee.identity.passwords import Passwords, check_policy
from marquee.identity.sessions import SessionRecord, device_name
from marquee.identity.tokens import (
    digest,
    issue_access_token,
    issue_refresh_token,
    random_token,
    read_email_token,
    read_refresh_token,
)
from marquee.kit.cache import Cache
from marquee.kit.db import after_commit, new_id, utcnow
from marquee.kit.events import publish
from marquee.kit.queue import enqueue
from marquee.settings import Settings

__all__ = [
    "CurrentAccount",
    "CurrentCaller",
    "CurrentProfile",
    "current_account",
    "current_profile",
    "device_name",
    "entitlement",
    "require_role",
]

MAX_PROFILES = 5
BILLING_PERIOD = timedelta(days=30)
MFA_PREFIX = "identity:mfa:"
TOTP_PENDING_PREFIX = "identity:totp-pending:"
TOTP_USED_PREFIX = "identity:totp-used:"
TOTP_PENDING_S = 600
MFA_ATTEMPTS = 5
LOGIN = "login"
WATCHING_STATUSES = ("trialing", "active", "past_due", "canceled")


@dataclass(frozen=True)
class SignedIn:
    """Tokens for API clients, plus the cookie values for a browser."""

    tokens: schemas.Tokens
    session_cookie: str
    csrf_token: str


def normalize_email(email: str) -> str:
    return email.strip().lower()


# --- accounts --------------------------------------------------------------------------------


def account_exists(db: Session, email: str) -> bool:
    return repository.account_by_email(db, normalize_email(email)) is not None


def register_account(
    db: Session,
    settings: Settings,
    email: str,
    password: str,
    *,
    role: schemas.Role = "viewer",
    verified: bool = False,
) -> Account:
    """Create an account with its first profile; the caller checked that the email is free."""
    email = normalize_email(email)
    check_policy(password, email=email, min_length=settings.password_min_length)
    account = Account(
        id=new_id(),
        email=email,
        password_hash=Passwords(settings).hash(password),
        role=role,
        email_verified_at=utcnow() if verified else None,
        recovery_codes=[],
    )
    db.add(account)
    db.add(Profile(account_id=account.id, name=email.split("@", 1)[0][:50]))
    db.flush()
    return account


def signup(db: Session, ident: Identity, form: schemas.Credentials, client: ClientInfo) -> SignedIn:
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
    if repository.account_by_email(db, email) is not None:
        check_policy(form.password, email=email, min_length=settings.password_min_length)
        ident.passwords.hash(form.password)
        _mail(db, "signup-existing", email)
        return _decoy_sign_in(ident)
    account = register_account(db, settings, email, form.password)
    _mail_token(db, ident, account, "verify", email, settings.verify_token_ttl_s)
    return _start_session(ident, account.id, client)


def login(
    db: Session, ident: Identity, form: schemas.Credentials, client: ClientInfo
) -> SignedIn | schemas.MfaChallenge:
    settings = ident.settings
    email = normalize_email(form.email)
    window = settings.rate_limit_window_s
    ident.limiter.hit("login-ip", client.ip, limit=settings.login_ip_limit, window_s=window)
    ident.limiter.hit("login-account", email, limit=settings.login_account_limit, window_s=window)
    account = repository.account_by_email(db, email)
    if account is None:
        _refuse_unknown(ident, email, form.password)
        raise InvalidCredentials
    _check_password(ident, account, form.password, InvalidCredentials)
    if account.totp_secret is not None:
        return _mfa_challenge(ident, account.id)
    return _start_session(ident, account.id, client)


def _refuse_unknown(ident: Identity, email: str, password: str) -> None:
    """Exactly what a wrong password costs: the lock check, an argon2 verify, a failure count."""
    _raise_if_locked(ident, email)
    ident.passwords.verify_nothing(password)
    _count_failure(ident, email)


def _raise_if_locked(ident: Identity, email: str) -> None:
    locked = ident.limiter.locked_for(LOGIN, email)
    if locked is not None:
        raise AccountLocked(locked)


def _count_failure(ident: Identity, email: str) -> None:
    settings = ident.settings
    ident.limiter.fail(
        LOGIN, email, threshold=settings.lockout_threshold, lock_s=settings.lockout_s
    )


def _check_password(
    ident: Identity,
    account: Account,
    password: str,
    error: type[InvalidCredentials] | type[WrongPassword],
) -> None:
    """Verify the account's password under the lock-out; upgrade the hash when stale."""
    _raise_if_locked(ident, account.email)
    verdict = ident.passwords.verify(account.password_hash, password)
    if not verdict.ok:
        _count_failure(ident, account.email)
        raise error()
    ident.limiter.succeed(LOGIN, account.email)
    if verdict.needs_rehash:
        account.password_hash = ident.passwords.hash(password)


def _start_session(ident: Identity, account_id: str, client: ClientInfo) -> SignedIn:
    record, cookie_secret = ident.sessions.create(
        account_id, user_agent=client.user_agent, ip=client.ip, country=client.country
    )
    refresh = issue_refresh_token(account_id, record.id, 1, ident.settings.session_ttl_s)
    ident.sessions.set_refresh(record, refresh)
    return SignedIn(
        tokens=_tokens(ident, account_id, record.id, refresh.encode(ident.keys)),
        session_cookie=f"{account_id}.{record.id}.{cookie_secret}",
        csrf_token=csrf_token(ident, record.id),
    )


def _decoy_sign_in(ident: Identity) -> SignedIn:
    """Well-formed, signed credentials for a session that does not exist."""
    account_id, session_id = new_id(), new_id()
    refresh = issue_refresh_token(account_id, session_id, 1, ident.settings.session_ttl_s)
    return SignedIn(
        tokens=_tokens(ident, account_id, session_id, refresh.encode(ident.keys)),
        session_cookie=f"{account_id}.{session_id}.{random_token()}",
        csrf_token=csrf_token(ident, session_id),
    )


def _tokens(ident: Identity, account_id: str, session_id: str, refresh: str) -> schemas.Tokens:
    ttl = ident.settings.access_token_ttl_s
    return schemas.Tokens(
        account_id=account_id,
        access_token=issue_access_token(ident.keys, account_id, session_id, ttl),
        refresh_token=refresh,
        expires_in=ttl,
    )


def csrf_token(ident: Identity, session_id: str) -> str:
    """The double-submit token, bound to the session so another site cannot plant one."""
    return ident.keys.mac("csrf", session_id)


def refresh(ident: Identity, refresh_token: str) -> schemas.Tokens:
    """Rotate: the presented token is spent; presenting it again signs the session out."""
    presented = read_refresh_token(ident.keys, refresh_token)
    record = ident.sessions.require(presented.account_id, presented.session_id)
    ident.sessions.rotate_refresh(record, presented)
    successor = issue_refresh_token(
        record.account_id, record.id, record.refresh_generation + 1, ident.settings.session_ttl_s
    )
    ident.sessions.set_refresh(record, successor)
    return _tokens(ident, record.account_id, record.id, successor.encode(ident.keys))


def logout(ident: Identity, record: SessionRecord) -> None:
    ident.sessions.revoke(record.account_id, record.id)


# --- second factor ---------------------------------------------------------------------------


def _mfa_challenge(ident: Identity, account_id: str) -> schemas.MfaChallenge:
    token = random_token()
    state = json.dumps({"account_id": account_id, "attempts": 0})
    ident.cache.set(MFA_PREFIX + digest(token), state, ttl_s=ident.settings.mfa_token_ttl_s)
    return schemas.MfaChallenge(mfa_token=token)


def login_mfa(db: Session, ident: Identity, form: schemas.MfaLogin, client: ClientInfo) -> SignedIn:
    key = MFA_PREFIX + digest(form.mfa_token)
    raw = ident.cache.get(key)
    if raw is None:
        raise TokenInvalid("The sign-in step has expired: sign in again.")
    state = json.loads(raw)
    account = db.get(Account, state["account_id"])
    if account is None or not _second_factor_ok(ident, account, form.code):
        state["attempts"] += 1
        if state["attempts"] >= MFA_ATTEMPTS:
            ident.cache.delete(key)
        else:
            ident.cache.set(key, json.dumps(state), ttl_s=ident.cache.ttl(key) or 1)
        raise WrongCode
    ident.cache.delete(key)
    return _start_session(ident, account.id, client)


def _second_factor_ok(ident: Identity, account: Account, code: str) -> bool:
    """A TOTP code not used before, or an unused recovery code (which is then spent)."""
    assert account.totp_secret is not None
    step = mfa.matching_step(mfa.unseal(ident.keys, account.totp_secret), code.strip())
    if step is not None:
        once = f"{TOTP_USED_PREFIX}{account.id}:{step}"
        return ident.cache.add(once, b"1", ttl_s=3 * mfa.TOTP_STEP_S)
    hashed = mfa.recovery_digest(code)
    if hashed in account.recovery_codes:
        account.recovery_codes = [c for c in account.recovery_codes if c != hashed]
        return True
    return False


def start_totp(db: Session, ident: Identity, account_id: str) -> schemas.TotpSetup:
    account = _account(db, account_id)
    if account.totp_secret is not None:
        raise MfaState("Two-step sign-in is already on.")
    secret = mfa.new_secret()
    ident.cache.set(TOTP_PENDING_PREFIX + account_id, secret, ttl_s=TOTP_PENDING_S)
    return schemas.TotpSetup(secret=secret, otpauth_uri=mfa.provisioning_uri(secret, account.email))


def confirm_totp(db: Session, ident: Identity, account_id: str, code: str) -> schemas.RecoveryCodes:
    account = _account(db, account_id)
    pending = ident.cache.get(TOTP_PENDING_PREFIX + account_id)
    if pending is None or account.totp_secret is not None:
        raise MfaState("Start two-step sign-in setup first.")
    if mfa.matching_step(pending.decode(), code.strip()) is None:
        raise WrongCode
    codes = mfa.new_recovery_codes()
    account.totp_secret = mfa.seal(ident.keys, pending.decode())
    account.recovery_codes = [mfa.recovery_digest(c) for c in codes]
    ident.cache.delete(TOTP_PENDING_PREFIX + account_id)
    db.flush()
    return schemas.RecoveryCodes(recovery_codes=codes)


def disable_totp(db: Session, ident: Identity, account_id: str, password: str) -> None:
    account = _account(db, account_id)
    _check_password(ident, account, password, WrongPassword)
    account.totp_secret = None
    account.recovery_codes = []
    db.flush()


# --- mailed tokens ---------------------------------------------------------------------------


def _mail(db: Session, template: str, to: str, token_id: str | None = None) -> None:
    enqueue(db, "identity.send_mail", template=template, to=to, token_id=token_id)


def _mail_token(
    db: Session, ident: Identity, account: Account, purpose: str, to: str, ttl_s: float
) -> None:
    now = utcnow()
    repository.retire_email_tokens(db, account.id, purpose, now)
    token = EmailToken(
        id=new_id(),
        account_id=account.id,
        purpose=purpose,
        email=to,
        expires_at=now + timedelta(seconds=ttl_s),
    )
    db.add(token)
    db.flush()
    _mail(db, purpose, to, token.id)


def _use_token(db: Session, ident: Identity, token: str, purposes: tuple[str, ...]) -> EmailToken:
    row = db.get(EmailToken, read_email_token(ident.keys, token))
    if row is None or row.purpose not in purposes:
        raise TokenInvalid("The link is not valid.", status=400)
    if row.used_at is not None:
        raise TokenInvalid("The link was already used.", slug="token-used", status=400)
    if row.expires_at <= utcnow():
        raise TokenExpired("The link has expired: ask for a new one.", status=400)
    if not repository.use_email_token(db, row.id, utcnow()):
        raise TokenInvalid("The link was already used.", slug="token-used", status=400)
    return row


def verify_email(db: Session, ident: Identity, token: str) -> None:
    """Confirm the address a verification or change-of-address link was sent to."""
    row = _use_token(db, ident, token, ("verify", "email-change"))
    account = _account(db, row.account_id)
    if row.purpose == "email-change":
        if repository.account_by_email(db, row.email) is not None:
            raise EmailTaken("That address is now used by another account.")
        _mail(db, "email-changed", account.email)
        account.email = row.email
    elif account.email != row.email:
        raise TokenInvalid("The link is for an address this account no longer uses.", status=400)
    account.email_verified_at = utcnow()
    db.flush()


def resend_verification(db: Session, ident: Identity, account_id: str) -> None:
    account = _account(db, account_id)
    if account.email_verified_at is not None:
        return
    settings = ident.settings
    ident.limiter.hit(
        "verify-mail",
        account_id,
        limit=settings.reset_account_limit,
        window_s=settings.rate_limit_window_s,
    )
    _mail_token(db, ident, account, "verify", account.email, settings.verify_token_ttl_s)


def request_password_reset(db: Session, ident: Identity, email: str, client: ClientInfo) -> None:
    """Mail a reset link if the address has an account; the answer never says which."""
    settings = ident.settings
    email = normalize_email(email)
    window = settings.rate_limit_window_s
    ident.limiter.hit("reset-ip", client.ip, limit=settings.reset_ip_limit, window_s=window)
    ident.limiter.hit("reset-account", email, limit=settings.reset_account_limit, window_s=window)
    account = repository.account_by_email(db, email)
    if account is not None:
        _mail_token(db, ident, account, "reset", account.email, settings.reset_token_ttl_s)


def reset_password(db: Session, ident: Identity, token: str, password: str) -> None:
    """Set a new password from a reset link: every session ends and any lock-out lifts."""
    row = _use_token(db, ident, token, ("reset",))
    account = _account(db, row.account_id)
    _set_password(db, ident, account, password)
    if account.email == row.email:
        account.email_verified_at = account.email_verified_at or utcnow()
    ident.limiter.succeed(LOGIN, account.email)
    _revoke_after_commit(db, ident, account.id)


def _set_password(db: Session, ident: Identity, account: Account, password: str) -> None:
    check_policy(password, email=account.email, min_length=ident.settings.password_min_length)
    account.password_hash = ident.passwords.hash(password)
    account.password_changed_at = utcnow()
    db.flush()


def _revoke_after_commit(
    db: Session, ident: Identity, account_id: str, *, keep: str | None = None
) -> None:
    after_commit(db, lambda: ident.sessions.revoke_all(account_id, keep=keep))


# --- account management ----------------------------------------------------------------------


def _account(db: Session, account_id: str) -> Account:
    account = db.get(Account, account_id)
    if account is None:
        raise AccountNotFound
    return account


def get_account(db: Session, account_id: str) -> schemas.Account:
    sub = repository.subscription_of(db, account_id)
    if sub is not None:
        _current_status(sub)
    return views.account(_account(db, account_id), sub)


def change_password(
    db: Session, ident: Identity, principal: schemas.Principal, form: schemas.PasswordChange
) -> None:
    """New password; every other device is signed out, this one stays."""
    account = _account(db, principal.account_id)
    _check_password(ident, account, form.current_password, WrongPassword)
    _set_password(db, ident, account, form.new_password)
    _revoke_after_commit(db, ident, account.id, keep=principal.session_id)


def change_email(db: Session, ident: Identity, account_id: str, form: schemas.EmailChange) -> None:
    """Mail a confirmation link to the new address; the change happens when it is opened."""
    account = _account(db, account_id)
    _check_password(ident, account, form.password, WrongPassword)
    new_email = normalize_email(form.new_email)
    if new_email == account.email:
        return
    if repository.account_by_email(db, new_email) is not None:
        _mail(db, "signup-existing", new_email)
        return
    ttl = ident.settings.verify_token_ttl_s
    _mail_token(db, ident, account, "email-change", new_email, ttl)


def delete_account(db: Session, ident: Identity, account_id: str, password: str) -> None:
    """Delete the account and everything identity holds for it; other domains follow the
    ``identity.account_deleted`` event."""
    account = _account(db, account_id)
    _check_password(ident, account, password, WrongPassword)
    db.delete(account)
    db.flush()
    publish(db, ACCOUNT_DELETED, {"account_id": account_id})
    _revoke_after_commit(db, ident, account_id)


def export_account(
    db: Session, ident: Identity, principal: schemas.Principal
) -> schemas.AccountExport:
    return schemas.AccountExport(
        exported_at=utcnow(),
        account=get_account(db, principal.account_id),
        profiles=list_profiles(db, principal.account_id),
        devices=list_devices(ident, principal),
    )


def set_role(db: Session, account_id: str, role: schemas.Role) -> None:
    _account(db, account_id).role = role
    db.flush()


# --- devices ---------------------------------------------------------------------------------


def list_devices(ident: Identity, principal: schemas.Principal) -> list[schemas.Device]:
    records = sorted(
        ident.sessions.of_account(principal.account_id), key=lambda r: r.last_seen_at, reverse=True
    )
    return [
        schemas.Device(
            id=record.id,
            device_name=record.device_name,
            ip=record.ip,
            ip_country=record.ip_country,
            created_at=record.created_at,
            last_seen_at=record.last_seen_at,
            current=record.id == principal.session_id,
        )
        for record in records
    ]


def sign_out_device(ident: Identity, account_id: str, device_id: str) -> None:
    if ident.sessions.get(account_id, device_id) is None:
        raise DeviceNotFound
    ident.sessions.revoke(account_id, device_id)


def sign_out_everywhere(ident: Identity, account_id: str) -> None:
    ident.sessions.revoke_all(account_id)


# --- profiles --------------------------------------------------------------------------------


def list_profiles(db: Session, account_id: str) -> list[schemas.Profile]:
    return [views.profile(row) for row in repository.profiles_of(db, account_id)]


def _profile(db: Session, account_id: str, profile_id: str) -> Profile:
    profile = repository.profile_of(db, account_id, profile_id)
    if profile is None:
        raise ProfileNotFound
    return profile


def create_profile(
    db: Session, ident: Identity, account_id: str, form: schemas.ProfileCreate
) -> schemas.Profile:
    if repository.count_profiles(db, account_id) >= MAX_PROFILES:
        raise ProfileLimit(f"An account has at most {MAX_PROFILES} profiles.")
    profile = Profile(
        account_id=account_id,
        name=form.name,
        avatar=form.avatar,
        language=form.language,
        maturity=form.maturity,
        pin_hash=None if form.pin is None else ident.passwords.hash(form.pin),
    )
    db.add(profile)
    db.flush()
    return views.profile(profile)


def update_profile(
    db: Session, ident: Identity, account_id: str, profile_id: str, form: schemas.ProfileUpdate
) -> schemas.Profile:
    profile = _profile(db, account_id, profile_id)
    changes = form.model_dump(exclude_unset=True, exclude={"pin", "password"})
    for name, value in changes.items():
        if value is not None:
            setattr(profile, name, value)
    if "pin" in form.model_fields_set:
        _check_password(ident, _account(db, account_id), form.password or "", WrongPassword)
        profile.pin_hash = None if form.pin is None else ident.passwords.hash(form.pin)
    db.flush()
    remembered.forget_after_commit(db, ident.cache, account_id, profile_id)
    return views.profile(profile)


def delete_profile(db: Session, ident: Identity, account_id: str, profile_id: str) -> None:
    profile = _profile(db, account_id, profile_id)
    if repository.count_profiles(db, account_id) <= 1:
        raise LastProfile("An account keeps at least one profile.")
    db.delete(profile)
    db.flush()
    remembered.forget_after_commit(db, ident.cache, account_id, profile_id)
    publish(db, PROFILE_DELETED, {"account_id": account_id, "profile_id": profile_id})


def check_pin(db: Session, ident: Identity, account_id: str, profile_id: str, pin: str) -> None:
    """Compare a profile's PIN; repeated wrong PINs lock the profile for a while."""
    profile = _profile(db, account_id, profile_id)
    locked = ident.limiter.locked_for("pin", profile_id)
    if locked is not None:
        raise RateLimited(locked, "Too many wrong PINs.")
    if profile.pin_hash is None:
        return
    if not ident.passwords.verify(profile.pin_hash, pin).ok:
        settings = ident.settings
        ident.limiter.fail(
            "pin", profile_id, threshold=settings.pin_attempt_limit, lock_s=settings.lockout_s
        )
        raise WrongPin
    ident.limiter.succeed("pin", profile_id)


def get_profile(db: Session, account_id: str, profile_id: str) -> schemas.Profile:
    """One of the account's profiles; ProfileNotFound when it is not the account's."""
    return views.profile(_profile(db, account_id, profile_id))


def recall_profile(cache: Cache, account_id: str, profile_id: str) -> schemas.Profile | None:
    """The account's profile from the cache, without database I/O (None when not there): for
    hot read paths, which fall back to :func:`load_profile`."""
    return remembered.recall(cache, account_id, profile_id)


def load_profile(db: Session, cache: Cache, account_id: str, profile_id: str) -> schemas.Profile:
    """:func:`get_profile`, remembered for :func:`recall_profile`."""
    profile = get_profile(db, account_id, profile_id)
    remembered.remember(cache, account_id, profile)
    return profile


def verify_pin(
    db: Session, settings: Settings, cache: Cache, account_id: str, profile_id: str, pin: str
) -> None:
    """:func:`check_pin` for other domains (playback asks for a profile's PIN)."""
    check_pin(db, Identity.build(settings, cache), account_id, profile_id, pin)


def select_profile(
    db: Session, ident: Identity, record: SessionRecord, profile_id: str, pin: str | None
) -> schemas.Profile:
    """Make ``profile_id`` this device's current profile (its PIN first, when it has one)."""
    profile = _profile(db, record.account_id, profile_id)
    if profile.pin_hash is not None:
        check_pin(db, ident, record.account_id, profile_id, pin or "")
    record.profile_id = profile.id
    ident.sessions.save(record)
    return views.profile(profile)


# --- plans, subscriptions, entitlement -------------------------------------------------------


def list_plans(db: Session) -> list[schemas.Plan]:
    return [views.plan(row) for row in repository.plans(db)]


def set_subscription(
    db: Session,
    settings: Settings,
    account_id: str,
    plan_id: str,
    status: schemas.SubscriptionStatus | None = None,
) -> schemas.Subscription:
    """Put the account on ``plan_id``. Without payment providers the change takes effect at
    once; ``status`` is for admins (a new subscription starts trialing or active)."""
    _account(db, account_id)
    if db.get(Plan, plan_id) is None:
        raise PlanNotFound(plan_id)
    sub = repository.subscription_of(db, account_id) or _new_subscription(db, settings, account_id)
    sub.plan_id = plan_id
    if _current_status(sub) in ("canceled", "expired"):
        _restart(sub)
    if status is not None:
        sub.status = status
    db.flush()
    return views.subscription(sub)


def _new_subscription(db: Session, settings: Settings, account_id: str) -> Subscription:
    now = utcnow()
    trial_end = now + timedelta(days=settings.trial_days) if settings.trial_days else None
    sub = Subscription(
        account_id=account_id,
        status="trialing" if trial_end else "active",
        started_at=now,
        trial_ends_at=trial_end,
        current_period_end=trial_end or now + BILLING_PERIOD,
    )
    db.add(sub)
    return sub


def _restart(sub: Subscription) -> None:
    now = utcnow()
    sub.status, sub.started_at, sub.canceled_at = "active", now, None
    sub.trial_ends_at, sub.current_period_end = None, now + BILLING_PERIOD


def cancel_subscription(db: Session, account_id: str) -> schemas.Subscription:
    """Cancel at the end of the paid period: watching goes on until then."""
    sub = repository.subscription_of(db, account_id)
    if sub is None:
        raise NoSubscription
    if sub.status != "expired":
        sub.status, sub.canceled_at = "canceled", utcnow()
    db.flush()
    return views.subscription(sub)


def _current_status(sub: Subscription) -> str:
    """Canceled and trial periods end by the calendar: the row catches up when read."""
    now = utcnow()
    ended_cancel = sub.status == "canceled" and sub.current_period_end <= now
    ended_trial = sub.status == "trialing" and (sub.trial_ends_at or now) <= now
    if ended_cancel or ended_trial:
        sub.status = "expired"
    return sub.status


def entitlement(db: Session, account_id: str) -> schemas.Entitlement:
    """What the account may watch now: playback calls this before starting a stream."""
    sub = repository.subscription_of(db, account_id)
    plan = None if sub is None else db.get(Plan, sub.plan_id)
    if sub is None or plan is None:
        return schemas.Entitlement(
            plan_id=None,
            status=None,
            max_streams=0,
            max_height=0,
            download_devices=0,
            can_watch=False,
        )
    status = _current_status(sub)
    return schemas.Entitlement(
        plan_id=plan.id,
        status=status,
        max_streams=plan.max_streams,
        max_height=plan.max_height,
        download_devices=plan.download_devices,
        can_watch=status in WATCHING_STATUSES,
    )
