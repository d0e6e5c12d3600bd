"""What the catalog holds of a person, for the account export (:mod:`marquee.kit.personal_data`):
the studio audit entries an editor's account made. They are kept when the account is deleted:
the audit trail of the catalog is the studio's record, and the actor id (a random id) no
longer leads to a person once identity's row is gone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.catalog.models import AuditEntry
from marquee.kit.personal_data import Holder, Subject, as_json, register


def export(session: Session, subject: Subject) -> Mapping[str, Any]:
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == subject.account_id).order_by(AuditEntry.at)
    )
    return {"audit_entries": [as_json(row) for row in rows]}


register(
    Holder(
        domain="catalog",
        tables={
            "catalog_audit": "kept: the studio's audit trail, under an id no longer a person's"
        },
        export=export,
    )
)
