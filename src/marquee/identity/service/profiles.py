"""Profiles ("who's watching"): up to :data:`MAX_PROFILES` per account, their PINs, the one a
device has chosen, and the copies remembered in the cache for hot read paths."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from marquee.identity import remembered, repository, schemas, views
from marquee.identity.context import Identity
from marquee.identity.errors import (
    LastProfile,
    ProfileLimit,
    ProfileNotFound,
    RateLimited,
    WrongPassword,
    WrongPin,
)
from marquee.identity.events import PROFILE_DELETED, ProfileDeleted
from marquee.identity.models import Profile
from marquee.identity.service import approvals
from marquee.identity.service.approvals import Actor
from marquee.identity.service.credentials import check_password, require_account
from marquee.identity.sessions import SessionRecord
from marquee.kit.cache import Cache
from marquee.kit.events import publish
from marquee.settings import Settings

MAX_PROFILES = 5
NEW = frozenset({"new"})
DELETE = frozenset({"delete"})


def list_profiles(session: Session, *, account_id: str) -> list[schemas.Profile]:
    return [views.profile(row) for row in repository.profiles_of(session, account_id)]


def _profile(session: Session, account_id: str, profile_id: str) -> Profile:
    profile = repository.profile_of(session, account_id, profile_id)
    if profile is None:
        raise ProfileNotFound
    return profile


def create_profile(
    session: Session,
    *,
    ident: Identity,
    account_id: str,
    form: schemas.ProfileCreate,
    actor: Actor | None = None,
) -> schemas.Profile:
    """A new profile. ``actor``: the device asking (None: a command run on the server); adding
    a profile needs its approval (:mod:`.approvals`)."""
    approvals.require(
        session, ident=ident, actor=actor, account_id=account_id, target=None, changes=NEW
    )
    if repository.count_profiles(session, account_id) >= MAX_PROFILES:
        raise ProfileLimit(f"An account has at most {MAX_PROFILES} profiles.")
    profile = Profile(
        account_id=account_id,
        name=form.name,
        avatar=form.avatar,
        language=form.language,
        maturity=form.maturity,
        autoplay_next=form.autoplay_next,
        pin_hash=None if form.pin is None else ident.passwords.hash(form.pin),
    )
    session.add(profile)
    session.flush()
    return views.profile(profile)


def update_profile(
    session: Session,
    *,
    ident: Identity,
    account_id: str,
    profile_id: str,
    form: schemas.ProfileUpdate,
    actor: Actor | None = None,
) -> schemas.Profile:
    """Change the fields sent. A PIN change needs the account ``password`` (which approves the
    rest of the update too); other changes the acting profile may not make alone need an
    approval (:mod:`.approvals`)."""
    profile = _profile(session, account_id, profile_id)
    sent = form.model_dump(exclude_unset=True, exclude={"pin", "password"})
    changes = {name: value for name, value in sent.items() if value is not None}
    changed = frozenset(name for name, value in changes.items() if getattr(profile, name) != value)
    if "pin" in form.model_fields_set:
        account = require_account(session, account_id)
        check_password(ident, account, form.password or "", WrongPassword)
    else:
        approvals.require(
            session,
            ident=ident,
            actor=actor,
            account_id=account_id,
            target=profile,
            changes=changed,
            password=form.password,
        )
    for name, value in changes.items():
        setattr(profile, name, value)
    if "pin" in form.model_fields_set:
        profile.pin_hash = None if form.pin is None else ident.passwords.hash(form.pin)
    session.flush()
    remembered.forget_after_commit(session, ident.cache, account_id, profile_id)
    return views.profile(profile)


def delete_profile(
    session: Session,
    *,
    ident: Identity,
    account_id: str,
    profile_id: str,
    actor: Actor | None = None,
) -> None:
    profile = _profile(session, account_id, profile_id)
    approvals.require(
        session, ident=ident, actor=actor, account_id=account_id, target=profile, changes=DELETE
    )
    if repository.count_profiles(session, account_id) <= 1:
        raise LastProfile("An account keeps at least one profile.")
    session.delete(profile)
    session.flush()
    remembered.forget_after_commit(session, ident.cache, account_id, profile_id)
    publish(session, PROFILE_DELETED, ProfileDeleted(account_id=account_id, profile_id=profile_id))


def check_pin(
    session: Session, *, ident: Identity, account_id: str, profile_id: str, pin: str
) -> None:
    """Compare a profile's PIN; repeated wrong PINs lock the profile for a while."""
    profile = _profile(session, account_id, profile_id)
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


def get_profile(session: Session, *, account_id: str, profile_id: str) -> schemas.Profile:
    """One of the account's profiles; ProfileNotFound when it is not the account's."""
    return views.profile(_profile(session, account_id, profile_id))


def recall_profile(cache: Cache, *, account_id: str, profile_id: str) -> schemas.Profile | None:
    """The account's profile from the cache, without database I/O (None when not there): for
    hot read paths, which fall back to :func:`load_profile`."""
    return remembered.recall(cache, account_id, profile_id)


def load_profile(
    session: Session, *, cache: Cache, account_id: str, profile_id: str
) -> schemas.Profile:
    """:func:`get_profile`, remembered for :func:`recall_profile`."""
    profile = get_profile(session, account_id=account_id, profile_id=profile_id)
    remembered.remember(cache, account_id, profile)
    return profile


def verify_pin(
    session: Session,
    *,
    settings: Settings,
    cache: Cache,
    account_id: str,
    profile_id: str,
    pin: str,
) -> None:
    """:func:`check_pin` for other domains (playback asks for a profile's PIN)."""
    ident = Identity.build(settings, cache, sessionmaker(session.get_bind()))
    check_pin(session, ident=ident, account_id=account_id, profile_id=profile_id, pin=pin)


def select_profile(
    session: Session,
    *,
    ident: Identity,
    record: SessionRecord,
    profile_id: str,
    pin: str | None,
) -> schemas.Profile:
    """Make ``profile_id`` this device's current profile (its PIN first, when it has one)."""
    profile = _profile(session, record.account_id, profile_id)
    if profile.pin_hash is not None:
        account_id = record.account_id
        check_pin(session, ident=ident, account_id=account_id, profile_id=profile_id, pin=pin or "")
    record.profile_id = profile.id
    ident.sessions.save(record)
    approvals.after_select(
        ident, session_id=record.id, profile=profile, pin_checked=profile.pin_hash is not None
    )
    return views.profile(profile)
