"""Nightly cache warming: each worker process ticks every ``TICK_S`` seconds (the periodic
``delivery.schedule_warming`` in ``tasks``) and, inside the off-peak window
(``delivery_warm_window``), enqueues ``delivery.warm_edges`` for every region that has edges,
once per region and window.

Several workers tick at once: a :class:`WarmRun` row per (region, day the window opened) is the
claim. The job is enqueued in the transaction that inserts the row (the outbox), so only the
process whose insert commits sends it; the others find the row, or have their insert refused by
the primary key.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from marquee.delivery.models import WarmRun
from marquee.delivery.steering import parse_edges
from marquee.delivery.warming import in_window, parse_window
from marquee.kit.db import Database
from marquee.kit.queue import enqueue
from marquee.settings import Settings

log = logging.getLogger(__name__)
TICK_S = 60.0
WARM_JOB = "delivery.warm_edges"


def window_day(window: str, now: datetime) -> date:
    """The day the window holding ``now`` opened: the day before, after midnight, for a window
    that passes it (``22:00-04:00`` at 01:00)."""
    start, end = parse_window(window)
    if start > end and now.time().replace(tzinfo=None) < end:
        return (now - timedelta(days=1)).date()
    return now.date()


def warm_regions(settings: Settings) -> list[str]:
    """The regions of the registered edges."""
    return sorted({edge.region for edge in parse_edges(settings.delivery_edges)})


def schedule_warming(db: Database, settings: Settings, now: datetime) -> list[str]:
    """Enqueue the warming of each region not yet claimed for the window holding ``now`` (UTC);
    the ids of the jobs this call enqueued (none outside the window, none when
    ``delivery_warm_enabled`` is off)."""
    window = settings.delivery_warm_window
    if not settings.delivery_warm_enabled or not in_window(window, now):
        return []
    day = window_day(window, now)
    claimed = (_claim(db, region, day) for region in warm_regions(settings))
    return [job_id for job_id in claimed if job_id is not None]


def _claim(db: Database, region: str, day: date) -> str | None:
    try:
        with db.transaction() as session:
            if session.get(WarmRun, (region, day)) is not None:
                return None
            job_id = enqueue(session, WARM_JOB, region=region)
            session.add(WarmRun(region=region, day=day, job_id=job_id))
    except IntegrityError:  # another scheduler claimed it first
        return None
    log.info("cache warming of %s for the night of %s enqueued: job %s", region, day, job_id)
    return job_id
