"""Events identity publishes (after commit, at least once; handlers must be idempotent)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from marquee.kit.events import declare


class AccountDeleted(BaseModel):
    account_id: str
    profile_ids: list[str] = Field(default_factory=list)
    """The account's profiles when it was deleted, for rows kept by profile only."""


class AccountCreated(BaseModel):
    account_id: str
    role: str


class ProfileDeleted(BaseModel):
    account_id: str
    profile_id: str


ACCOUNT_CREATED = declare("identity.account_created", AccountCreated)
"""A new account (a sign-up, or one an admin made): analytics counts sign-ups."""

ACCOUNT_DELETED = declare("identity.account_deleted", AccountDeleted)
"""Every domain deletes what it holds for the account."""

PROFILE_DELETED = declare("identity.profile_deleted", ProfileDeleted)
"""History, lists and ratings of the profile go."""
