"""Profiles as last read, kept in the cache for hot read paths.

The browse rows are asked for on every home screen; reading the profile from the database each
time cost more than serving the cached rows. A write to a profile forgets its entry once the
write commits, and entries expire after about :data:`PROFILE_TTL_S` in any case: a writer on
another node with an in-process cache is seen within that time.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from marquee.identity import schemas
from marquee.kit.cache import Cache, keep_near, spread
from marquee.kit.db import after_commit

PROFILE_TTL_S = 600.0
PREFIX = "identity:profile:"
keep_near(PREFIX)


def _key(account_id: str, profile_id: str) -> str:
    # the account is part of the key: another account's profile is never found here
    return f"{PREFIX}{account_id}:{profile_id}"


def recall(cache: Cache, account_id: str, profile_id: str) -> schemas.Profile | None:
    raw = cache.get(_key(account_id, profile_id))
    return None if raw is None else schemas.Profile.model_validate_json(raw)


def remember(cache: Cache, account_id: str, profile: schemas.Profile) -> None:
    cache.set(_key(account_id, profile.id), profile.model_dump_json(), ttl_s=spread(PROFILE_TTL_S))


def forget_after_commit(session: Session, cache: Cache, account_id: str, profile_id: str) -> None:
    after_commit(session, lambda: cache.delete(_key(account_id, profile_id)))
