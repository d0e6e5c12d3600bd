"""Queries and the conditional state transitions the pipeline's jobs rely on.

Jobs run at least once, possibly twice at the same time (a lease ran out while the first was
still busy). Every transition here is therefore a conditional ``UPDATE … WHERE status = …``
whose row count says whether this caller made it; the one that did does what follows (enqueue
the next stage, publish the event), the others do nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from marquee.kit.db import utcnow
from marquee.media.models import (
    ACTIVE_STATUSES,
    FAILED,
    PENDING,
    PROCESSING,
    STEP_PENDING,
    STEP_QUEUED,
    STEP_RUNNING,
    STEP_SUCCEEDED,
    Asset,
    AssetStep,
)

LOG_TAIL_CHARS = 4000


def _count(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def get_asset(session: Session, asset_id: str) -> Asset | None:
    return session.get(Asset, asset_id)


def steps(session: Session, asset_id: str, *, lock: bool = False) -> list[AssetStep]:
    query = (
        select(AssetStep)
        .where(AssetStep.asset_id == asset_id)
        .order_by(AssetStep.position, AssetStep.name)
    )
    if lock:
        query = query.with_for_update()
    return list(session.scalars(query))


def add_steps(session: Session, asset_id: str, names: Sequence[tuple[str, int]]) -> None:
    """Create steps (name, position) that do not exist yet."""
    existing = {s.name for s in steps(session, asset_id)}
    for name, position in names:
        if name not in existing:
            session.add(AssetStep(asset_id=asset_id, name=name, position=position))
    session.flush()


def lock_asset(session: Session, asset_id: str) -> bool:
    """Take the asset's row lock for this transaction (serialises the jobs that finish
    together); False when the asset is no longer being processed. Must be the transaction's
    first statement so that what it reads next includes every earlier commit."""
    result = session.execute(
        update(Asset)
        .where(Asset.id == asset_id, Asset.status.in_(ACTIVE_STATUSES))
        .values(updated_at=utcnow())
    )
    return _count(result) == 1


def start_step(session: Session, asset_id: str, name: str) -> bool:
    """Mark the step running (one more attempt); False if it already succeeded or the asset
    is finished (the job then has nothing to do)."""
    now = utcnow()
    session.execute(
        update(Asset)
        .where(Asset.id == asset_id, Asset.status == PENDING)
        .values(status=PROCESSING, updated_at=now)
    )
    asset = session.get(Asset, asset_id)
    if asset is None or asset.status != PROCESSING:
        return False
    result = session.execute(
        update(AssetStep)
        .where(
            AssetStep.asset_id == asset_id,
            AssetStep.name == name,
            AssetStep.status != STEP_SUCCEEDED,
        )
        .values(
            status=STEP_RUNNING,
            attempts=AssetStep.attempts + 1,
            started_at=now,
            finished_at=None,
            error=None,
            progress=0.0,
        )
    )
    return _count(result) == 1


def record_progress(
    session: Session, asset_id: str, name: str, progress: float, message: str, log: str
) -> None:
    session.execute(
        update(AssetStep)
        .where(
            AssetStep.asset_id == asset_id,
            AssetStep.name == name,
            AssetStep.status == STEP_RUNNING,
        )
        .values(progress=progress, message=message[:500], log=log[-LOG_TAIL_CHARS:])
    )


def finish_step(
    session: Session,
    asset_id: str,
    name: str,
    *,
    log: str,
    result: dict[str, Any] | None = None,
    started_at: datetime | None = None,
) -> bool:
    """Mark the step succeeded; True if this call did it (not an earlier attempt)."""
    now = utcnow()
    values: dict[str, Any] = {
        "status": STEP_SUCCEEDED,
        "progress": 1.0,
        "finished_at": now,
        "error": None,
        "log": log[-LOG_TAIL_CHARS:],
        "message": "done",
    }
    if result is not None:
        values["result"] = result
    if started_at is not None:
        values["duration_s"] = (now - started_at).total_seconds()
    outcome = session.execute(
        update(AssetStep)
        .where(
            AssetStep.asset_id == asset_id,
            AssetStep.name == name,
            AssetStep.status != STEP_SUCCEEDED,
        )
        .values(**values)
    )
    return _count(outcome) == 1


def mark_step(
    session: Session, asset_id: str, name: str, status: str, *, error: str, log: str
) -> None:
    """A failed or retrying attempt."""
    now = utcnow()
    session.execute(
        update(AssetStep)
        .where(
            AssetStep.asset_id == asset_id,
            AssetStep.name == name,
            AssetStep.status != STEP_SUCCEEDED,
        )
        .values(status=status, error=error, log=log[-LOG_TAIL_CHARS:], finished_at=now)
    )


def queue_step(session: Session, asset_id: str, name: str) -> bool:
    """pending -> queued; True for the one caller that should enqueue its job."""
    result = session.execute(
        update(AssetStep)
        .where(
            AssetStep.asset_id == asset_id,
            AssetStep.name == name,
            AssetStep.status == STEP_PENDING,
        )
        .values(status=STEP_QUEUED)
    )
    return _count(result) == 1


def fail_asset(session: Session, asset_id: str, step: str, reason: str) -> bool:
    """processing -> failed with the step and the reason; True for the caller that did it."""
    result = session.execute(
        update(Asset)
        .where(Asset.id == asset_id, Asset.status.in_(ACTIVE_STATUSES))
        .values(
            status=FAILED,
            failed_step=step,
            error=reason,
            finished_at=utcnow(),
            updated_at=utcnow(),
        )
    )
    return _count(result) == 1


def mark_ready(session: Session, asset_id: str, values: dict[str, Any]) -> bool:
    result = session.execute(
        update(Asset)
        .where(Asset.id == asset_id, Asset.status == PROCESSING)
        .values(status="ready", finished_at=utcnow(), updated_at=utcnow(), **values)
    )
    return _count(result) == 1
