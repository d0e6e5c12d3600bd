"""A title's status (draft, published, retired) and the events its changes publish:
``catalog.title_published`` when viewers may see it, ``catalog.title_unpublished`` when they
may no longer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.catalog import schemas
from marquee.catalog.errors import StatusConflict
from marquee.catalog.events import (
    TITLE_PUBLISHED,
    TITLE_UNPUBLISHED,
    TitleChanged,
    TitleUnpublished,
)
from marquee.catalog.models import DRAFT, PUBLISHED, RETIRED, Title, Window
from marquee.catalog.repository import title_or_404
from marquee.catalog.studio.audit import record
from marquee.catalog.studio.windows import fill_window
from marquee.kit.db import utcnow
from marquee.kit.events import publish


def publish_title(session: Session, *, actor: str, title_id: str) -> Title:
    """draft or retired → published (visible where and while a window allows)."""
    return _move(session, actor, title_id, PUBLISHED, allowed_from=(DRAFT, RETIRED))


def publish_worldwide(session: Session, *, actor: str, title_id: str) -> Title:
    """Publish with an open worldwide window unless windows exist: the single-site quick start
    (``marquee ingest --publish``)."""
    title = title_or_404(session, title_id)
    has_window = session.scalar(select(Window.id).where(Window.title_id == title.id).limit(1))
    if has_window is None:
        window = Window(title_id=title.id)
        data = schemas.WindowIn(territories=["WORLD"], starts_at=utcnow())
        fill_window({}, window, data)
        session.add(window)
        session.flush()
        record(
            session,
            actor=actor,
            title_id=title.id,
            entity="window",
            entity_id=window.id,
            action="window.created",
            changes={"WORLD": True},
        )
    return publish_title(session, actor=actor, title_id=title.id)


def unpublish_title(session: Session, *, actor: str, title_id: str) -> Title:
    """published → draft: taken off the service for now (a takedown, a fix)."""
    return _move(session, actor, title_id, DRAFT, allowed_from=(PUBLISHED,))


def retire_title(session: Session, *, actor: str, title_id: str) -> Title:
    """draft or published → retired: off the service for good, kept for the record."""
    return _move(session, actor, title_id, RETIRED, allowed_from=(DRAFT, PUBLISHED))


def set_status(session: Session, *, actor: str, title_id: str, status: str) -> Title:
    """Any change of status, for imports (whose file says what the status is)."""
    return _move(session, actor, title_id, status, allowed_from=(DRAFT, PUBLISHED, RETIRED))


def _move(
    session: Session, actor: str, title_id: str, status: str, *, allowed_from: tuple[str, ...]
) -> Title:
    title = title_or_404(session, title_id)
    if title.status not in allowed_from:
        raise StatusConflict(f"A {title.status} title cannot become {status}.")
    was = title.status
    title.status = status
    title.updated_at = utcnow()
    if status == PUBLISHED:
        title.published_at = title.updated_at
        publish(session, TITLE_PUBLISHED, TitleChanged(title_id=title.id))
    elif was == PUBLISHED:
        publish(session, TITLE_UNPUBLISHED, TitleUnpublished(title_id=title.id, status=status))
    changes = {"status": {"from": was, "to": status}}
    record(
        session,
        actor=actor,
        title_id=title.id,
        entity="title",
        entity_id=title.id,
        action=f"title.{status}",
        changes=changes,
    )
    return title
