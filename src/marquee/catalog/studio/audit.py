"""The audit trail and change notification every studio edit goes through: an audit entry in
the caller's transaction, and ``catalog.title_updated`` when a published title changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.events import TITLE_UPDATED, TitleChanged
from marquee.catalog.models import PUBLISHED, AuditEntry, Title
from marquee.catalog.repository import title_or_404
from marquee.kit.db import utcnow
from marquee.kit.events import publish


def record(
    session: Session,
    *,
    actor: str,
    title_id: str | None,
    entity: str,
    entity_id: str,
    action: str,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Add an audit entry in the caller's transaction."""
    entry = AuditEntry(
        title_id=title_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor_id=actor,
        changes=dict(changes or {}),
    )
    session.add(entry)


def touched(session: Session, *, title: Title) -> None:
    """The title changed: bump ``updated_at``, and tell other domains if viewers can see it."""
    title.updated_at = utcnow()
    if title.status == PUBLISHED:
        publish(session, TITLE_UPDATED, TitleChanged(title_id=title.id))


def diff(target: object, values: Mapping[str, Any]) -> dict[str, Any]:
    """Apply ``values`` to ``target``; the fields that changed as {field: {from, to}}."""
    changes = {}
    for field, value in values.items():
        old = getattr(target, field)
        if old != value:
            setattr(target, field, value)
            changes[field] = {"from": old, "to": value}
    return changes


def audit_log(session: Session, *, title_id: str) -> list[schemas.AuditEntry]:
    title_or_404(session, title_id)
    return [schemas.AuditEntry.model_validate(e) for e in repo.audit(session, title_id)]
