"""What analytics holds of a person (:mod:`marquee.kit.personal_data`): no table with an account
or profile id; the lake's rows carry pseudonyms (a keyed HMAC of the account and profile ids),
and :mod:`.subscribers` removes them from the lake on ``identity.account_deleted`` and
``identity.profile_deleted``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from marquee.kit.personal_data import Holder, Subject, register

LAKE = (
    "viewing and player telemetry events under a pseudonym (keyed HMAC of the account and "
    "profile ids), removed from the lake when the account or profile is deleted"
)


def export(_session: Session, _subject: Subject) -> Mapping[str, Any]:
    return {"event_lake": LAKE}


register(Holder(domain="analytics", tables={}, export=export))
