"""What discovery holds of a person, for the account export (:mod:`marquee.kit.personal_data`):
the plays it ranks titles by. Deleted by :mod:`.subscribers` on ``identity.account_deleted``
(its profiles) and ``identity.profile_deleted``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.discovery.models import DiscoveryPlay
from marquee.kit.personal_data import Holder, Subject, as_json, register


def export(session: Session, subject: Subject) -> Mapping[str, Any]:
    if not subject.profile_ids:
        return {"plays": []}
    rows = session.scalars(
        select(DiscoveryPlay)
        .where(DiscoveryPlay.profile_id.in_(subject.profile_ids))
        .order_by(DiscoveryPlay.at)
    )
    return {"plays": [as_json(row, leave_out=frozenset({"id"})) for row in rows]}


register(
    Holder(
        domain="discovery",
        tables={
            "discovery_plays": "deleted on identity.account_deleted and identity.profile_deleted"
        },
        export=export,
    )
)
