"""Who may manage which profile: the rights of the profile a device acts as, and the short
approval (the account password, or an adult profile's PIN) that lifts them.

A device acts as the profile it has chosen (``POST /profiles/{id}/select``). Without an approval
it may change only its own profile: a kids profile only its avatar, a teen or adult profile its
name, avatar, language and autoplay. Everything else (any maturity, any PIN, another profile,
adding or deleting one) needs an approval of that device: given by ``POST /profiles/approval``
with the account password or the PIN of one of the account's adult profiles, by choosing an adult
profile with its PIN, or by signing in; it lasts :data:`APPROVAL_S` and ends as soon as the
device chooses a kids or teen profile. A ``password`` sent with a profile update approves that
update alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from marquee.identity import repository
from marquee.identity.context import Identity
from marquee.identity.errors import ApprovalRequired, RateLimited, WrongPassword, WrongPin
from marquee.identity.models import Profile
from marquee.identity.service.credentials import check_password, require_account

APPROVAL_S = 300.0
PREFIX = "identity:approval:"
PIN = "pin"
"""The limiter's name for wrong PINs, counted per profile (shared with the PIN check)."""
OWN_FIELDS = {"kids": frozenset({"avatar"})}
ADULT_OWN_FIELDS = frozenset({"avatar", "name", "language", "autoplay_next"})


@dataclass(frozen=True)
class Actor:
    """The device asking for a change: its sign-in session and the profile it acts as."""

    session_id: str
    profile_id: str | None


def grant(ident: Identity, session_id: str) -> None:
    ident.cache.set(PREFIX + session_id, b"1", ttl_s=APPROVAL_S)


def revoke(ident: Identity, session_id: str) -> None:
    ident.cache.delete(PREFIX + session_id)


def approved(ident: Identity, session_id: str) -> bool:
    return ident.cache.get(PREFIX + session_id) is not None


def approve(
    session: Session,
    *,
    ident: Identity,
    account_id: str,
    session_id: str,
    password: str | None,
    pin: str | None,
) -> None:
    """Approve the device for :data:`APPROVAL_S` with the account password or an adult
    profile's PIN (wrong ones count towards the lock-outs of the password and of the PINs)."""
    if password is not None:
        check_password(ident, require_account(session, account_id), password, WrongPassword)
    elif pin is not None:
        check_adult_pin(session, ident=ident, account_id=account_id, pin=pin)
    else:
        raise ApprovalRequired("Send the account `password` or an adult profile's `pin`.")
    grant(ident, session_id)


def check_adult_pin(session: Session, *, ident: Identity, account_id: str, pin: str) -> None:
    """Pass when ``pin`` is the PIN of one of the account's adult profiles. A wrong PIN counts
    as a wrong try on each of them, so it locks them as their own PIN check would."""
    adults = [
        profile
        for profile in repository.profiles_of(session, account_id)
        if profile.maturity == "adult" and profile.pin_hash is not None
    ]
    locks = [ident.limiter.locked_for(PIN, profile.id) for profile in adults]
    open_ = [profile for profile, lock in zip(adults, locks, strict=True) if lock is None]
    if adults and not open_:
        raise RateLimited(min(lock or 1.0 for lock in locks), "Too many wrong PINs.")
    for profile in open_:
        if profile.pin_hash is not None and ident.passwords.verify(profile.pin_hash, pin).ok:
            ident.limiter.succeed(PIN, profile.id)
            return
    settings = ident.settings
    for profile in open_:
        ident.limiter.fail(
            PIN, profile.id, threshold=settings.pin_attempt_limit, lock_s=settings.lockout_s
        )
    raise WrongPin


def after_select(ident: Identity, *, session_id: str, profile: Profile, pin_checked: bool) -> None:
    """Choosing an adult profile with its PIN approves the device; choosing a kids or teen
    profile ends any approval."""
    if profile.maturity != "adult":
        revoke(ident, session_id)
    elif pin_checked:
        grant(ident, session_id)


def require(
    session: Session,
    *,
    ident: Identity,
    actor: Actor | None,
    account_id: str,
    target: Profile | None,
    changes: frozenset[str],
    password: str | None = None,
) -> None:
    """Refuse (403 ``approval-required``) a change the acting profile may not make alone.

    ``target`` is the profile changed (None: a new one), ``changes`` the fields whose values
    change (``delete`` for a deletion). ``actor`` None is a command run on the server."""
    if actor is None or not changes:
        return
    acting = (
        None
        if actor.profile_id is None
        else repository.profile_of(session, account_id, actor.profile_id)
    )
    own = acting is not None and target is not None and target.id == acting.id
    if own and acting is not None and changes <= OWN_FIELDS.get(acting.maturity, ADULT_OWN_FIELDS):
        return
    if approved(ident, actor.session_id):
        return
    if password is not None:
        check_password(ident, require_account(session, account_id), password, WrongPassword)
        return
    if acting is not None and acting.maturity == "kids":
        raise ApprovalRequired(
            "A kids profile changes only its own avatar; anything else needs the account "
            "password or an adult profile's PIN (POST /api/v1/profiles/approval)."
        )
    raise ApprovalRequired(
        "This change needs the account password or an adult profile's PIN "
        "(POST /api/v1/profiles/approval)."
    )
