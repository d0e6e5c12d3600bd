"""The running definitions are read once per TTL per process: assignments in between touch no
database; a start this process commits is seen at once, one committed elsewhere after the TTL
without waiting for the read."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest

from marquee.experiments import running, service
from marquee.experiments.schemas import ExperimentIn
from marquee.kit.db import Database


def _define(db: Database) -> str:
    key = f"cache-{uuid.uuid4().hex[:8]}"
    form = ExperimentIn.model_validate(
        {"key": key, "unit": "account", "variants": [{"key": "on", "weight": 100}]}
    )
    with db.transaction() as session:
        service.create_experiment(session, form=form)
    return key


def test_assignment_reads_the_definitions_once_per_ttl(
    sqlite_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(sqlite_database_url)
    try:
        key = _define(db)
        before = {e.key for e in running.running(db, ttl_s=3600)}
        with db.transaction() as session:
            service.start_experiment(session, key=key)
        after = {e.key for e in running.running(db, ttl_s=3600)}
        assert key not in before
        assert key in after

        def no_database(*_args: Any) -> Any:
            raise AssertionError("read the database")

        monkeypatch.setattr(db, "sessions", no_database)
        assert {e.key for e in running.running(db, ttl_s=3600)} == after
        with pytest.raises(AssertionError):
            running.running(db, ttl_s=0)
    finally:
        db.dispose()


def test_an_expired_copy_answers_while_it_is_read_again(
    sqlite_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process starts an experiment: past the TTL, this one answers with its copy at
    once (callers run on the event loop) and sees the start after a read in the background."""
    db = Database(sqlite_database_url)
    try:
        key = _define(db)
        assert key not in {e.key for e in running.running(db, ttl_s=3600)}
        monkeypatch.setattr(running, "forget", lambda: None)  # as if committed elsewhere
        with db.transaction() as session:
            service.start_experiment(session, key=key)
        held, opened = threading.Event(), db.sessions

        def slow_database() -> Any:
            held.wait(5)
            return opened()

        monkeypatch.setattr(db, "sessions", slow_database)
        time.sleep(0.02)
        started = time.monotonic()
        assert key not in {e.key for e in running.running(db, ttl_s=0.01)}
        assert time.monotonic() - started < 1
        held.set()
        deadline = time.monotonic() + 5
        while key not in {e.key for e in running.running(db, ttl_s=3600)}:
            assert time.monotonic() < deadline, "the copy was never read again"
            time.sleep(0.01)
    finally:
        db.dispose()
