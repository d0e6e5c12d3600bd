"""A pipeline step runs in one worker at a time, however many deliveries its job gets."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from marquee.kit.queue import JobContext, JobDeferred
from marquee.media import service
from marquee.media.models import AssetStep
from marquee.media.pipeline.runner import StepRun, run_step
from marquee.runtime import Platform, build_platform
from marquee.settings import Settings

STEP = "probe"
LEASE_S = 20.0


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    built = build_platform(settings.model_copy(update={"media_step_lease_s": LEASE_S}))
    yield built
    built.stop()


@pytest.fixture
def asset_id(platform: Platform) -> str:
    source = f"sources/{uuid.uuid4().hex}/film.mp4"
    platform.storage.put_bytes(source, b"not read by these tests")
    with platform.db.transaction() as session:
        return service.start_ingest(session, storage=platform.storage, source_key=source).id


def delivery(platform: Platform) -> JobContext:
    """One delivery of the step's job (a worker got the message)."""
    return JobContext(
        job_id=uuid.uuid4().hex, name="media.analyse", attempt=1, services=platform, db=platform.db
    )


def step(platform: Platform, asset_id: str) -> AssetStep:
    with platform.db.sessions() as session:
        row = session.query(AssetStep).filter_by(asset_id=asset_id, name=STEP).one()
        session.expunge(row)
        return row


def test_a_second_delivery_does_not_run_a_step_already_running(
    platform: Platform, asset_id: str
) -> None:
    runs: list[str] = []
    running, may_finish = threading.Event(), threading.Event()

    def encode(run: StepRun, _tmp: Path) -> dict[str, Any]:
        runs.append(run.ctx.job_id)
        running.set()
        may_finish.wait(10)
        return {}

    args = (delivery(platform), asset_id, STEP, encode)
    first = threading.Thread(target=run_step, args=args, kwargs={"max_retries": 1})
    first.start()
    assert running.wait(10)

    with pytest.raises(JobDeferred) as deferred:
        run_step(delivery(platform), asset_id, STEP, encode, max_retries=1)
    may_finish.set()
    first.join()
    run_step(delivery(platform), asset_id, STEP, encode, max_retries=1)  # comes back: done

    assert len(runs) == 1
    assert LEASE_S - 2 < deferred.value.delay_s <= LEASE_S + 1
    assert (step(platform, asset_id).status, step(platform, asset_id).attempts) == ("succeeded", 1)


def test_a_worker_whose_claim_was_taken_stops_at_its_next_progress(
    platform: Platform, asset_id: str
) -> None:
    def encode(run: StepRun, _tmp: Path) -> dict[str, Any]:
        assert run.claim is not None
        run.claim.lost.set()  # what its heartbeat does on finding another holder
        run.progress(0.5, "half way")
        raise AssertionError("went on after losing its claim")

    with pytest.raises(JobDeferred):
        run_step(delivery(platform), asset_id, STEP, encode, max_retries=1)

    assert step(platform, asset_id).status == "running"  # neither failed nor retrying
