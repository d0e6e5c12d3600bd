"""What experiments holds of a person, for the account export (:mod:`marquee.kit.personal_data`):
the experiments its account or profiles were exposed to. Deleted by :mod:`.subscribers` on
``identity.account_deleted`` and ``identity.profile_deleted``; the lake's exposure rows go with
analytics' erasure of the same pseudonyms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from marquee.experiments.models import Exposure
from marquee.kit.personal_data import Holder, Subject, as_json, register


def export(session: Session, subject: Subject) -> Mapping[str, Any]:
    ids = [subject.account_id, *subject.profile_ids]
    rows = session.scalars(
        select(Exposure).where(
            or_(Exposure.account_id == subject.account_id, Exposure.unit_id.in_(ids))
        )
    )
    return {"exposures": [as_json(row) for row in rows]}


register(
    Holder(
        domain="experiments",
        tables={
            Exposure.__tablename__: "deleted on identity.account_deleted and "
            "identity.profile_deleted"
        },
        export=export,
    )
)
