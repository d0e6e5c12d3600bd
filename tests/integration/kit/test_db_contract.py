"""The database adapter behaves the same on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from marquee.kit.db import Database, after_commit, create_db_engine
from marquee.kit.queue import JobRun
from tests.services import POSTGRES_URL, need


@pytest.fixture
def db(database_url: str) -> Database:
    database = Database(database_url)
    yield database  # type: ignore[misc]
    database.dispose()


def _run(job_id: str) -> JobRun:
    return JobRun(id=job_id, name="test.job", args={"n": 1})


def test_a_transaction_commits_when_the_block_ends(db: Database) -> None:
    job_id = uuid.uuid4().hex
    with db.transaction() as session:
        session.add(_run(job_id))
    with db.sessions() as session:
        assert session.get(JobRun, job_id) is not None


def test_an_error_rolls_the_whole_transaction_back(db: Database) -> None:
    job_id = uuid.uuid4().hex
    with pytest.raises(RuntimeError), db.transaction() as session:
        session.add(_run(job_id))
        session.flush()
        raise RuntimeError("handler failed")
    with db.sessions() as session:
        assert session.get(JobRun, job_id) is None


def test_after_commit_callbacks_run_only_on_commit(db: Database) -> None:
    calls: list[str] = []
    with db.transaction() as session:
        session.add(_run(uuid.uuid4().hex))
        after_commit(session, lambda: calls.append("committed"))
    with pytest.raises(ValueError, match=r"^$"), db.transaction() as session:
        session.add(_run(uuid.uuid4().hex))
        after_commit(session, lambda: calls.append("rolled back"))
        raise ValueError
    assert calls == ["committed"]


def test_datetimes_come_back_as_the_same_utc_instant(db: Database) -> None:
    job_id = uuid.uuid4().hex
    moment = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)
    with db.transaction() as session:
        run = _run(job_id)
        run.started_at = moment
        session.add(run)
    with db.sessions() as session:
        stored = session.scalars(select(JobRun).where(JobRun.id == job_id)).one()
        assert stored.started_at == moment
        assert stored.started_at.tzinfo is not None


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"), db.transaction() as session:
        run = _run(uuid.uuid4().hex)
        run.started_at = datetime(2026, 1, 1)
        session.add(run)
        session.flush()


def test_ping_reports_the_backend(db: Database) -> None:
    db.ping()
    assert db.backend in {"sqlite", "postgresql", "mysql", "mariadb"}


@pytest.mark.integration
def test_postgresql_connections_give_up_on_a_silent_host_unless_the_url_says_otherwise() -> None:
    """Without timeouts a lost database host would hold requests for TCP's retries (minutes):
    connections carry libpq's, and a URL's own values win."""
    need("postgresql")
    for url, expected in (
        (POSTGRES_URL, {"connect_timeout": "5", "tcp_user_timeout": "10000"}),
        (
            f"{POSTGRES_URL}?connect_timeout=2",
            {"connect_timeout": "2", "tcp_user_timeout": "10000"},
        ),
    ):
        engine = create_db_engine(url)
        try:
            with engine.connect() as connection:
                parameters = connection.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
        finally:
            engine.dispose()
        assert {key: parameters.get(key) for key in expected} == expected
