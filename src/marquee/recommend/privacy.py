"""What recommend holds of a person, for the account export (:mod:`marquee.kit.personal_data`):
thumbs, My List and the plays it trains on. Deleted by :mod:`.subscribers` on
``identity.account_deleted`` (its profiles) and ``identity.profile_deleted``. Trained model
artifacts hold no profile: their rows are anonymous and numbered per training."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.kit.personal_data import Holder, Subject, as_json, register
from marquee.recommend.repository import PERSONAL_TABLES

DELETION = "deleted on identity.account_deleted and identity.profile_deleted"


def export(session: Session, subject: Subject) -> Mapping[str, Any]:
    found: dict[str, list[dict[str, Any]]] = {}
    for table in PERSONAL_TABLES:
        name = table.__tablename__.removeprefix("recommend_")
        query = select(table).where(table.profile_id.in_(subject.profile_ids))
        rows = session.scalars(query) if subject.profile_ids else ()
        found[name] = [as_json(row) for row in rows]
    return found


register(
    Holder(
        domain="recommend",
        tables={table.__tablename__: DELETION for table in PERSONAL_TABLES},
        export=export,
    )
)
