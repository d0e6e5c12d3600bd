"""Licence windows: where and while a title may be shown, and the report of windows that
end soon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.errors import Invalid
from marquee.catalog.models import Window, WindowTerritory
from marquee.catalog.repository import row_or_404, title_or_404
from marquee.catalog.studio.audit import record, touched
from marquee.catalog.territories import expand
from marquee.catalog.views import window_out
from marquee.kit.db import new_id, utcnow
from marquee.settings import Settings


def add_window(
    session: Session, *, settings: Settings, actor: str, title_id: str, data: schemas.WindowIn
) -> Window:
    title = title_or_404(session, title_id)
    window = Window(id=new_id(), title_id=title.id)
    fill_window(settings.catalog_regions, window, data)
    session.add(window)
    record(
        session,
        actor=actor,
        title_id=title.id,
        entity="window",
        entity_id=window.id,
        action="window.created",
        changes=data.model_dump(mode="json"),
    )
    touched(session, title=title)
    return window


def replace_window(
    session: Session, *, settings: Settings, actor: str, window_id: str, data: schemas.WindowIn
) -> Window:
    window = row_or_404(session, Window, window_id, "window")
    before = window_out(window).model_dump(mode="json", exclude={"id", "title_id", "countries"})
    fill_window(settings.catalog_regions, window, data)
    session.flush()
    changes = {"from": before, "to": data.model_dump(mode="json")}
    record(
        session,
        actor=actor,
        title_id=window.title_id,
        entity="window",
        entity_id=window.id,
        action="window.updated",
        changes=changes,
    )
    touched(session, title=title_or_404(session, window.title_id))
    return window


def delete_window(session: Session, *, actor: str, window_id: str) -> None:
    window = row_or_404(session, Window, window_id, "window")
    before = window_out(window).model_dump(mode="json")
    session.delete(window)
    record(
        session,
        actor=actor,
        title_id=window.title_id,
        entity="window",
        entity_id=window.id,
        action="window.deleted",
        changes=before,
    )
    touched(session, title=title_or_404(session, window.title_id))


def fill_window(regions: dict[str, str], window: Window, data: schemas.WindowIn) -> None:
    """Set the window from ``data``, region names expanded with ``regions`` (name → codes)."""
    if data.ends_at is not None and data.ends_at <= data.starts_at:
        raise Invalid("A window must end after it starts.")
    codes, unknown = expand(data.territories, regions)
    if unknown:
        raise Invalid(f"unknown territories or regions: {', '.join(unknown)}")
    window.territories = [t.strip().upper() for t in data.territories]
    window.starts_at = data.starts_at.astimezone(UTC)
    window.ends_at = data.ends_at and data.ends_at.astimezone(UTC)
    window.licensor, window.exclusive = data.licensor, data.exclusive
    window.downloads_allowed = data.downloads_allowed
    window.codes = [WindowTerritory(territory=c, title_id=window.title_id) for c in sorted(codes)]


def expiring_windows(
    session: Session, *, days: int, at: datetime | None = None
) -> list[schemas.ExpiringWindow]:
    """Windows ending within ``days`` days from ``at`` (now), soonest first."""
    start = at or utcnow()
    return [
        schemas.ExpiringWindow(
            **window_out(window).model_dump(),
            original_title=title.original_title,
            status=title.status,
        )
        for window, title in repo.expiring(session, start, start + timedelta(days=days))
    ]
