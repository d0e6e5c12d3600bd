"""The nightly warming schedule: each region once per off-peak window, whichever of several
workers ticks first, on every database backend."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marquee import domains
from marquee.delivery.models import WarmRun
from marquee.delivery.schedule import WARM_JOB, schedule_warming
from marquee.kit.db import Database
from marquee.kit.outbox import OutboxEntry
from marquee.kit.queue import JobRun
from marquee.runtime import build_platform
from marquee.settings import Settings

NIGHT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture
def backend(database_url: str) -> Iterator[Database]:
    domains.load_jobs()
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def regions() -> list[str]:
    """Regions of their own: the database is shared by the whole test session."""
    tag = uuid.uuid4().hex[:8]
    return [f"eu-{tag}", f"us-{tag}"]


def with_edges(settings: Settings, regions: list[str], **updates: object) -> Settings:
    """Two edges in the first region, one in the second."""
    edges = [
        {"name": f"edge-{n}", "url": f"http://edge-{n}.test", "region": region}
        for n, region in enumerate([regions[0], *regions])
    ]
    values = {"delivery_edges": edges, "delivery_warm_window": "01:00-05:00", **updates}
    return settings.model_copy(update=values)


def enqueued(db: Database, regions: list[str]) -> list[str]:
    """The regions of the warming jobs recorded (and sent through the outbox), sorted."""
    with db.sessions() as session:
        runs = session.scalars(select(JobRun).where(JobRun.name == WARM_JOB)).all()
        mine = {run.id: run.args["region"] for run in runs if run.args["region"] in regions}
        sent = session.scalars(select(OutboxEntry.key).where(OutboxEntry.key.in_(mine))).all()
    assert sorted(sent) == sorted(mine), "every job recorded goes out through the outbox"
    return sorted(mine.values())


def test_a_tick_in_the_window_enqueues_each_region_once(
    backend: Database, settings: Settings, regions: list[str]
) -> None:
    configured = with_edges(settings, regions)
    assert len(schedule_warming(backend, configured, NIGHT)) == 2
    assert enqueued(backend, regions) == regions
    for later in (timedelta(minutes=1), timedelta(hours=2, minutes=59)):
        assert schedule_warming(backend, configured, NIGHT + later) == []
    assert enqueued(backend, regions) == regions


def test_the_next_night_warms_again(
    backend: Database, settings: Settings, regions: list[str]
) -> None:
    configured = with_edges(settings, regions)
    schedule_warming(backend, configured, NIGHT)
    assert len(schedule_warming(backend, configured, NIGHT + timedelta(days=1))) == 2
    assert enqueued(backend, regions) == sorted(regions * 2)


def test_nothing_is_enqueued_outside_the_window_or_when_disabled(
    backend: Database, settings: Settings, regions: list[str]
) -> None:
    configured = with_edges(settings, regions)
    for outside in (NIGHT - timedelta(hours=1, minutes=1), NIGHT + timedelta(hours=3)):
        assert schedule_warming(backend, configured, outside) == []
    disabled = with_edges(settings, regions, delivery_warm_enabled=False)
    assert schedule_warming(backend, disabled, NIGHT) == []
    assert enqueued(backend, regions) == []


def test_a_window_past_midnight_is_one_night(
    backend: Database, settings: Settings, regions: list[str]
) -> None:
    configured = with_edges(settings, regions[:1], delivery_warm_window="23:00-02:00")
    evening = NIGHT.replace(hour=23, minute=30)
    assert len(schedule_warming(backend, configured, evening)) == 1
    assert schedule_warming(backend, configured, evening + timedelta(hours=2)) == []
    assert len(schedule_warming(backend, configured, evening + timedelta(days=1))) == 1


def test_two_schedulers_ticking_at_once_enqueue_each_region_once(
    backend: Database, database_url: str, settings: Settings, regions: list[str]
) -> None:
    configured = with_edges(settings, regions)
    other = Database(database_url)  # another worker process's connections
    start = threading.Barrier(2)

    def tick(db: Database) -> list[str]:
        start.wait()
        return schedule_warming(db, configured, NIGHT)

    try:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(tick, (backend, other)))
    finally:
        other.dispose()
    assert sum(len(jobs) for jobs in results) == 2
    assert enqueued(backend, regions) == regions
    with backend.sessions() as session:
        claims = session.scalars(select(WarmRun).where(WarmRun.region.in_(regions))).all()
    assert sorted((claim.region, claim.day) for claim in claims) == [
        (region, NIGHT.date()) for region in regions
    ]


def test_a_worker_process_ticks_from_its_start(settings: Settings, regions: list[str]) -> None:
    now = datetime.now(UTC)
    window = f"{now - timedelta(hours=1):%H:%M}-{now + timedelta(hours=1):%H:%M}"
    platform = build_platform(with_edges(settings, regions, delivery_warm_window=window))
    platform.start(worker=True, short_threads=0, long_threads=0)  # ticks, runs no job
    try:
        deadline = time.monotonic() + 10
        while len(enqueued(platform.db, regions)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert enqueued(platform.db, regions) == regions
    finally:
        platform.stop()
