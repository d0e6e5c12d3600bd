"""The job queue behaves the same embedded (SQL broker) and on Redis and RabbitMQ."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from marquee.kit import queue as queue_module
from marquee.kit.db import Database
from marquee.kit.outbox import OutboxRelay
from marquee.kit.queue import JobQueue, enqueue
from tests.integration.kit import queue_jobs
from tests.services import RABBITMQ_URL, REDIS_URL, need

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("redis", marks=pytest.mark.integration),
        pytest.param("rabbitmq", marks=pytest.mark.integration),
    ]
)
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'queue.db'}?lease_s=2&namespace={namespace}"
    if request.param == "redis":
        need("redis")
        return f"{REDIS_URL}?namespace={namespace}&heartbeat_s=2&maintenance_chance=1000000"
    need("rabbitmq")
    return f"{RABBITMQ_URL}?namespace={namespace}"


@pytest.fixture
def db(sqlite_database_url: str) -> Iterator[Database]:
    database = Database(sqlite_database_url)
    yield database
    database.dispose()


@pytest.fixture
def effects(tmp_path: Path) -> Path:
    path = tmp_path / "effects"
    path.mkdir()
    return path


@pytest.fixture
def queue(queue_url: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[JobQueue]:
    """A queue on a bare database, with none of the platform's periodic jobs: those the test
    session has imported (``identity.purge_ended``, ``recommend.retrain``, …) work on a whole
    platform, which these workers do not have."""
    monkeypatch.setattr(queue_module, "_PERIODIC", {})
    job_queue = JobQueue(queue_url, db)
    yield job_queue
    job_queue.stop()


def _log_lines(effects: Path, name: str = "log") -> list[str]:
    path = effects / name
    return path.read_text().splitlines() if path.exists() else []


def test_a_job_runs_and_its_run_is_recorded(queue: JobQueue, effects: Path) -> None:
    job_id = queue.send("test.record", effects=str(effects), key="a")
    queue.start_workers(short_threads=1, long_threads=0)
    [run] = queue.wait([job_id], timeout_s=30)
    assert (run.state, run.progress, run.attempts) == ("succeeded", 1.0, 1)
    assert _log_lines(effects) == ["a"]


def test_a_deferred_job_comes_back_without_using_a_retry(queue: JobQueue, effects: Path) -> None:
    job_id = queue.send("test.deferred_once", effects=str(effects), key="d")
    queue.start_workers(short_threads=1, long_threads=0)
    [run] = queue.wait([job_id], timeout_s=30)
    assert (run.state, run.attempts, run.error) == ("succeeded", 1, None)
    assert _log_lines(effects) == ["d"]


def test_a_failed_job_is_retried_with_backoff_then_succeeds(queue: JobQueue, effects: Path) -> None:
    job_id = queue.send("test.flaky", effects=str(effects), key="f")
    queue.start_workers(short_threads=1, long_threads=0)
    [run] = queue.wait([job_id], timeout_s=60)
    assert run.state == "succeeded"
    assert run.attempts == 2
    assert _log_lines(effects) == ["f"]


def test_a_permanent_error_fails_at_once_with_its_reason(queue: JobQueue, effects: Path) -> None:
    job_id = queue.send("test.bad_input", effects=str(effects), key="b")
    queue.start_workers(short_threads=1, long_threads=0)
    [run] = queue.wait([job_id], timeout_s=30)
    assert run.state == "failed"
    assert run.error == "PermanentJobError: the source is not a video"
    assert _log_lines(effects, "attempts") == ["attempt"]


def test_progress_is_visible_while_the_job_runs(queue: JobQueue) -> None:
    queue_jobs.progress_seen.clear()
    queue_jobs.may_finish.clear()
    job_id = queue.send("test.reports_progress")
    queue.start_workers(short_threads=1, long_threads=0)
    assert queue_jobs.progress_seen.wait(30)
    run = queue.job_run(job_id)
    assert run is not None
    assert (run.state, run.progress, run.message) == ("running", 0.5, "half way")
    queue_jobs.may_finish.set()
    [done] = queue.wait([job_id], timeout_s=30)
    assert done.progress == 1.0


def test_a_job_enqueued_in_a_rolled_back_transaction_never_runs(
    queue: JobQueue, db: Database, effects: Path
) -> None:
    relay = OutboxRelay(db, {"job": queue.relay})
    with pytest.raises(RuntimeError), db.transaction() as session:
        rolled_back = enqueue(session, "test.record", effects=str(effects), key="never")
        raise RuntimeError("request failed")
    with db.transaction() as session:
        committed = enqueue(session, "test.record", effects=str(effects), key="kept")
    while relay.relay_once():
        pass
    queue.start_workers(short_threads=1, long_threads=0)
    queue.wait([committed], timeout_s=30)
    assert queue.job_run(rolled_back) is None
    assert _log_lines(effects) == ["kept"]


def test_both_queues_are_served_and_no_middleware_is_added_twice(
    queue: JobQueue, effects: Path, caplog: pytest.LogCaptureFixture
) -> None:
    short = queue.send("test.record", effects=str(effects), key="short")
    long = queue.send("test.slow_effect", effects=str(effects), key="long")
    with caplog.at_level(logging.WARNING, logger="dramatiq"):
        queue.start_workers(short_threads=1, long_threads=1)
    runs = queue.wait([short, long], timeout_s=60)
    assert [run.state for run in runs] == ["succeeded", "succeeded"]
    assert sorted(_log_lines(effects)) == ["long", "short"]
    assert [r.getMessage() for r in caplog.records if r.name.startswith("dramatiq")] == []


def test_a_worker_killed_mid_job_loses_nothing_and_the_effect_is_applied_once(
    queue: JobQueue, queue_url: str, sqlite_database_url: str, effects: Path
) -> None:
    job_id = queue.send("test.slow_effect", effects=str(effects), key="k")
    first = _worker_process(queue_url, sqlite_database_url)
    try:
        _wait_for(lambda: any(effects.glob("k.started.*")), "the first worker to start the job")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        second = _worker_process(queue_url, sqlite_database_url)
        try:
            [run] = queue.wait([job_id], timeout_s=90)
        finally:
            second.kill()
            second.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert run.state == "succeeded"
    assert len(list(effects.glob("k.started.*"))) == 2, "the job ran again in the second worker"
    assert _log_lines(effects) == ["k"]


def _worker_process(queue_url: str, database_url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.kit.queue_jobs", queue_url, database_url],
        cwd=ROOT,
    )


def _wait_for(condition: object, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)
