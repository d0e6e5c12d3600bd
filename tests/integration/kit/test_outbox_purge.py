"""Handed-on outbox rows go after the retention; rows still to hand on never do."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from sqlalchemy import select

from marquee.kit.db import Database, utcnow
from marquee.kit.outbox import OutboxEntry, OutboxRelay

HOUR = 3600.0


def _entry(db: Database, *, age: timedelta, handed_on: bool) -> int:
    """An entry written ``age`` ago, handed on then (or still waiting)."""
    at = utcnow() - age
    with db.transaction() as session:
        entry = OutboxEntry(
            kind="event",
            name="test.purged",
            key=uuid.uuid4().hex,
            payload={},
            created_at=at,
            delivered_at=at if handed_on else None,
        )
        session.add(entry)
        session.flush()
        return entry.id


def _left(db: Database, ids: list[int]) -> set[int]:
    with db.sessions() as session:
        return set(session.scalars(select(OutboxEntry.id).where(OutboxEntry.id.in_(ids))))


def test_entries_handed_on_before_the_retention_are_deleted_in_batches(db: Database) -> None:
    relay = OutboxRelay(db, {}, retention_s=24 * HOUR)
    old = [_entry(db, age=timedelta(days=2), handed_on=True) for _ in range(5)]
    recent = _entry(db, age=timedelta(hours=1), handed_on=True)
    waiting = _entry(db, age=timedelta(days=30), handed_on=False)

    purged = relay.purge_delivered(batch=2)

    assert purged >= len(old)
    assert _left(db, [*old, recent, waiting]) == {recent, waiting}


def test_a_running_relay_deletes_them_by_itself(db: Database) -> None:
    relay = OutboxRelay(db, {"event": lambda _entries: None}, retention_s=HOUR)
    old = _entry(db, age=timedelta(hours=2), handed_on=True)
    relay.start()
    try:
        deadline = time.monotonic() + 10
        while _left(db, [old]) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        relay.stop()

    assert _left(db, [old]) == set()
