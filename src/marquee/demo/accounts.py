"""The demo's two accounts: a viewer with an adult and a kids profile, and an admin."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from marquee.billing import service as billing
from marquee.identity import service as identity
from marquee.identity.context import Identity
from marquee.identity.schemas import Maturity, ProfileCreate, ProfileUpdate, Role
from marquee.runtime import Platform


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


#: Fixed and printed: the demo is for a machine of one's own (it listens on 127.0.0.1).
VIEWER = Credentials("viewer@demo.example.com", "popcorn-and-pixels")
ADMIN = Credentials("admin@demo.example.com", "directors-cut-2026")
#: Standard: two streams at once, up to 1080p.
VIEWER_PLAN = "standard"
ADMIN_PLAN = "premium"
#: (name, maturity) of the viewer's profiles; the first renames the account's first profile.
PROFILES: tuple[tuple[str, Maturity], ...] = (("Demo", "adult"), ("Kids", "kids"))


def create_accounts(platform: Platform) -> None:
    """Make the viewer (with its profiles) and the admin account, each unless it exists."""
    ident = Identity.build(platform.settings, platform.cache, platform.db.sessions)
    with platform.db.transaction() as session:
        if not identity.account_exists(session, email=VIEWER.email):
            _add_profiles(session, ident, _account(session, ident, VIEWER, "viewer", VIEWER_PLAN))
    with platform.db.transaction() as session:
        if not identity.account_exists(session, email=ADMIN.email):
            _account(session, ident, ADMIN, "admin", ADMIN_PLAN)


def _account(session: Session, ident: Identity, who: Credentials, role: Role, plan: str) -> str:
    settings = ident.settings
    account = identity.register_account(
        session,
        settings=settings,
        email=who.email,
        password=who.password,
        role=role,
        verified=True,
    )
    billing.set_subscription(session, settings=settings, account_id=account.id, plan_id=plan)
    return account.id


def _add_profiles(session: Session, ident: Identity, account_id: str) -> None:
    (name, maturity), *others = PROFILES
    first = identity.list_profiles(session, account_id=account_id)[0]
    update = ProfileUpdate(name=name, maturity=maturity)
    identity.update_profile(
        session, ident=ident, account_id=account_id, profile_id=first.id, form=update
    )
    for name, maturity in others:
        create = ProfileCreate(name=name, maturity=maturity)
        identity.create_profile(session, ident=ident, account_id=account_id, form=create)
