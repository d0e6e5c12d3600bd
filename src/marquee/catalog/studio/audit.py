"""The audit trail and change notification every studio edit goes through: an audit entry in
the caller's transaction, and ``catalog.title_updated`` when a published title changed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.events import TITLE_UPDATED, TitleChanged
from marquee.catalog.models import PUBLISHED, AuditEntry, Title
from marquee.catalog.repository import title_or_404
from marquee.kit.db import new_id, utcnow
from marquee.kit.events import publish

_PENDING = "marquee.catalog.audit_pending"


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
    """Add an audit entry in the caller's transaction, timed now (not when it is flushed:
    callers may write many changes in one flush)."""
    entry = {
        "id": new_id(),
        "title_id": title_id,
        "entity": entity,
        "entity_id": entity_id,
        "action": action,
        "actor_id": actor,
        "changes": dict(changes or {}),
        "at": utcnow(),
    }
    pending: list[dict[str, Any]] | None = session.info.get(_PENDING)
    if pending is None:
        session.add(AuditEntry(**entry))
    else:
        pending.append(entry)


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Within the block, audit entries are kept aside and written together when it ends, in
    one bulk insert instead of an object each (for imports: the block must not read them)."""
    if _PENDING in session.info:
        yield
        return
    pending: list[dict[str, Any]] = []
    session.info[_PENDING] = pending
    try:
        yield
    finally:
        del session.info[_PENDING]
    if pending:
        session.execute(insert(AuditEntry), pending)


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
