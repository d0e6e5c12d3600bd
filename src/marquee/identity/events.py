"""Events identity publishes (after commit, at least once; handlers must be idempotent)."""

from __future__ import annotations

ACCOUNT_DELETED = "identity.account_deleted"
"""``{"account_id": str}``: every domain deletes what it holds for the account."""

PROFILE_DELETED = "identity.profile_deleted"
"""``{"account_id": str, "profile_id": str}``: history, lists and ratings of the profile go."""
