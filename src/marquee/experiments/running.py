"""The running definitions, cached per process: assignment reads no database row per request.

A process reloads them when its copy is older than ``MARQUEE_EXPERIMENTS_CACHE_TTL_S`` and at
once after a start, stop or change it committed itself; other processes see a change within
the TTL. (An event would reach only one process of its consumer group, so it cannot tell every
process to reload.)

An expired copy is read again in a background thread while callers keep the expired one: the
cached browse answer checks the definitions on the event loop, and a read there stopped every
request of the node for its round trips (up to 25 ms on PostgreSQL under load; as long as the
connection timeout while the database fails over). Only a process with no copy (its first
read, or after :func:`forget`) or a TTL of 0 reads at once.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref

from sqlalchemy import select

from marquee.experiments.assignment import Running
from marquee.experiments.models import Experiment
from marquee.experiments.schemas import Audience, Variant
from marquee.kit.db import Database

log = logging.getLogger(__name__)

_lock = threading.Lock()
_loaded: weakref.WeakKeyDictionary[Database, tuple[float, tuple[Running, ...]]] = (
    weakref.WeakKeyDictionary()
)
_reloading: weakref.WeakSet[Database] = weakref.WeakSet()
#: Moved by :func:`forget`: a read begun before it must not store what it read.
_forgotten = 0


def running(db: Database, *, ttl_s: float) -> tuple[Running, ...]:
    with _lock:
        cached = _loaded.get(db)
    if cached is None or ttl_s == 0:
        return _load(db)
    if time.monotonic() - cached[0] >= ttl_s:
        _reload_in_background(db)
    return cached[1]


def forget() -> None:
    """Drop every cached copy (after this process committed a change)."""
    global _forgotten
    with _lock:
        _loaded.clear()
        _forgotten += 1


def _load(db: Database) -> tuple[Running, ...]:
    """Read the definitions and keep them, unless :func:`forget` was called meanwhile."""
    with _lock:
        forgotten = _forgotten
    now = time.monotonic()
    with db.sessions() as session:
        rows = session.scalars(select(Experiment).where(Experiment.state == "running"))
        loaded = tuple(as_running(row) for row in rows)
    with _lock:
        if forgotten == _forgotten:
            _loaded[db] = (now, loaded)
    return loaded


def _reload_in_background(db: Database) -> None:
    with _lock:
        if db in _reloading:
            return
        _reloading.add(db)
    threading.Thread(target=_reload, args=(db,), daemon=True, name="experiments").start()


def _reload(db: Database) -> None:
    try:
        _load(db)
    except Exception:
        log.exception("experiments: reading the running definitions failed; the copy stays")
    finally:
        with _lock:
            _reloading.discard(db)


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
