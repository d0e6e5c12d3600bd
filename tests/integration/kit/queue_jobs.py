"""Jobs used by the queue tests, importable by worker processes started from the tests."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

from marquee.kit.db import Database
from marquee.kit.queue import JobContext, JobDeferred, JobQueue, PermanentJobError, job

progress_seen = threading.Event()
may_finish = threading.Event()


def apply_effect_once(effects: Path, key: str) -> None:
    """The idempotent effect: the first attempt to create the marker writes one log line."""
    try:
        fd = os.open(effects / f"{key}.done", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(fd)
    with (effects / "log").open("a") as log:
        log.write(f"{key}\n")


@job("test.record")
def record(ctx: JobContext, effects: str, key: str) -> None:
    apply_effect_once(Path(effects), key)


@job("test.flaky", max_retries=3)
def flaky(ctx: JobContext, effects: str, key: str) -> None:
    if ctx.attempt == 1:
        raise ConnectionError("origin busy, try again")
    apply_effect_once(Path(effects), key)


@job("test.bad_input")
def bad_input(ctx: JobContext, effects: str, key: str) -> None:
    with (Path(effects) / "attempts").open("a") as log:
        log.write("attempt\n")
    raise PermanentJobError("the source is not a video")


@job("test.deferred_once", max_retries=0)
def deferred_once(ctx: JobContext, effects: str, key: str) -> None:
    """Finds its work held elsewhere the first time (no retries allowed: a deferral is none)."""
    try:
        (Path(effects) / f"{key}.deferred").touch(exist_ok=False)
    except FileExistsError:
        apply_effect_once(Path(effects), key)
        return
    raise JobDeferred("held by another worker", delay_s=0.5)


@job("test.reports_progress")
def reports_progress(ctx: JobContext) -> None:
    ctx.progress(0.5, "half way")
    progress_seen.set()
    may_finish.wait(10)


@job("test.slow_effect", queue="long")
def slow_effect(ctx: JobContext, effects: str, key: str) -> None:
    (Path(effects) / f"{key}.started.{ctx.attempt}.{os.getpid()}").touch()
    time.sleep(3)
    apply_effect_once(Path(effects), key)


def main(queue_url: str, database_url: str) -> None:
    """A worker process: serve both queues until killed."""
    queue = JobQueue(queue_url, Database(database_url))
    queue.start_workers(short_threads=1, long_threads=1)
    print("worker ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
