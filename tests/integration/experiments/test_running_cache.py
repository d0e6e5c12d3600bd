"""The running definitions are read once per TTL per process: assignments in between touch no
database; a start this process commits is seen at once."""

from __future__ import annotations

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
