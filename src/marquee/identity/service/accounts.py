"""Accounts: creating one, reading it, changing its password, address and role, and deleting
it. (The account as the API shows it, with its subscription, and its export are composed by
billing, the first domain above identity.)"""

from __future__ import annotations

from sqlalchemy.orm import Session

from marquee.identity import repository, schemas, views
from marquee.identity.context import Identity
from marquee.identity.errors import InvalidEmail, WrongPassword
from marquee.identity.events import (
    ACCOUNT_CREATED,
    ACCOUNT_DELETED,
    AccountCreated,
    AccountDeleted,
)
from marquee.identity.models import Account, Profile
from marquee.identity.passwords import Passwords, check_policy
from marquee.identity.service.credentials import (
    check_password,
    normalize_email,
    require_account,
    revoke_after_commit,
    set_password,
)
from marquee.identity.service.mail_links import mail, mail_token
from marquee.kit.db import new_id, utcnow
from marquee.kit.events import publish
from marquee.settings import Settings


def account_exists(session: Session, *, email: str) -> bool:
    return repository.account_by_email(session, normalize_email(email)) is not None


def register_account(
    session: Session,
    *,
    settings: Settings,
    email: str,
    password: str,
    role: schemas.Role = "viewer",
    verified: bool = False,
) -> Account:
    """Create an account with its first profile; the caller checked that the email is free.
    An address the API's email fields would refuse is refused (422 ``invalid-email``)."""
    valid = schemas.email_address(email.strip())
    if valid is None:
        raise InvalidEmail(f"{email!r} is not an email address one could sign in with.")
    email = normalize_email(valid)
    check_policy(password, email=email, min_length=settings.password_min_length)
    account = Account(
        id=new_id(),
        email=email,
        password_hash=Passwords(settings).hash(password),
        role=role,
        email_verified_at=utcnow() if verified else None,
        recovery_codes=[],
    )
    session.add(account)
    session.add(Profile(account_id=account.id, name=_first_name(email)))
    session.flush()
    publish(session, ACCOUNT_CREATED, AccountCreated(account_id=account.id, role=role))
    return account


def _first_name(email: str) -> str:
    """The first profile's name: the address's local part, cleaned as profile names are."""
    try:
        return schemas.clean_name(email.split("@", 1)[0])[:50]
    except ValueError:
        return "Me"


def get_account(session: Session, *, account_id: str) -> schemas.AccountDetails:
    """What identity holds of the account; AccountNotFound (404) when there is none."""
    return views.account(require_account(session, account_id))


def change_password(
    session: Session,
    *,
    ident: Identity,
    principal: schemas.Principal,
    form: schemas.PasswordChange,
) -> None:
    """New password; every other device is signed out, this one stays."""
    account = require_account(session, principal.account_id)
    check_password(ident, account, form.current_password, WrongPassword)
    set_password(session, ident, account, form.new_password)
    revoke_after_commit(session, ident, account.id, keep=principal.session_id)


def change_email(
    session: Session, *, ident: Identity, account_id: str, form: schemas.EmailChange
) -> None:
    """Mail a confirmation link to the new address; the change happens when it is opened."""
    account = require_account(session, account_id)
    check_password(ident, account, form.password, WrongPassword)
    new_email = normalize_email(form.new_email)
    if new_email == account.email:
        return
    if repository.account_by_email(session, new_email) is not None:
        mail(session, "signup-existing", new_email)
        return
    mail_token(session, account, "email-change", new_email, ident.settings.verify_token_ttl_s)


def delete_account(session: Session, *, ident: Identity, account_id: str, password: str) -> None:
    """Delete the account and everything identity holds for it; other domains follow the
    ``identity.account_deleted`` event."""
    account = require_account(session, account_id)
    check_password(ident, account, password, WrongPassword)
    profile_ids = [profile.id for profile in repository.profiles_of(session, account_id)]
    session.delete(account)
    session.flush()
    publish(
        session, ACCOUNT_DELETED, AccountDeleted(account_id=account_id, profile_ids=profile_ids)
    )
    revoke_after_commit(session, ident, account_id)


def set_role(session: Session, *, account_id: str, role: schemas.Role) -> None:
    require_account(session, account_id).role = role
    session.flush()
