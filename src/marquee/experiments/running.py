"""The running definitions, cached per process: assignment reads no database row per request.

A process reloads them when its copy is older than ``MARQUEE_EXPERIMENTS_CACHE_TTL_S`` and at
once after a start, stop or change it committed itself; other processes see a change within
the TTL. (An event would reach only one process of its consumer group, so it cannot tell every
process to reload.)
"""

from __future__ import annotations

import threading
import time
import weakref

from sqlalchemy import select

from marquee.experiments.assignment import Running
from marquee.experiments.models import Experiment
from marquee.experiments.schemas import Audience, Variant
from marquee.kit.db import Database

_lock = threading.Lock()
_loaded: weakref.WeakKeyDictionary[Database, tuple[float, tuple[Running, ...]]] = (
    weakref.WeakKeyDictionary()
)


def running(db: Database, *, ttl_s: float) -> tuple[Running, ...]:
    now = time.monotonic()
    with _lock:
        cached = _loaded.get(db)
    if cached is not None and now - cached[0] < ttl_s:
        return cached[1]
    with db.sessions() as session:
        rows = session.scalars(select(Experiment).where(Experiment.state == "running"))
        loaded = tuple(as_running(row) for row in rows)
    with _lock:
        _loaded[db] = (now, loaded)
    return loaded


def forget() -> None:
    """Drop every cached copy (after this process committed a change)."""
    with _lock:
        _loaded.clear()


def as_running(row: Experiment) -> Running:
    assert row.started_at is not None
    return Running(
        id=row.id,
        key=row.key,
        unit=row.unit,
        salt=row.salt,
        layer=row.layer,
        layer_offset=row.layer_offset,
        rollout=row.rollout,
        variants=tuple(Variant.model_validate(v) for v in row.variants),
        audience=Audience.model_validate(row.audience),
        started_at=row.started_at,
    )
