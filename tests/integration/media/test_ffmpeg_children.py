"""ffmpeg never outlives its run: not when the worker is killed, not when the run is abandoned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from marquee.media.ffmpeg import MediaError, run_ffmpeg

#: A long ffmpeg at the source's own pace (-re), so it costs the machine almost nothing.
LONG_RUN = ["-re", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=10", "-t", "600", "-f", "null", "-"]

#: The same, reporting progress once a minute like a busy encode: it would not learn of its
#: worker's death from a broken progress pipe for a minute.
QUIET_RUN = ["-stats_period", "60", *LONG_RUN]
#: A worker as Dramatiq runs one: the job, and so ffmpeg, on a thread of its own.
WORKER = f"""
import threading
from marquee.media.ffmpeg import run_ffmpeg
job = threading.Thread(target=run_ffmpeg, args=({QUIET_RUN!r},), kwargs={{"step": "encode"}})
job.start()
job.join()
"""


def children(pid: int | str) -> list[int]:
    """The processes each thread of ``pid`` started (a thread that ends while they are read
    takes its file with it: it has none left)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_for(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_a_killed_worker_takes_its_ffmpeg_with_it() -> None:
    worker = subprocess.Popen([sys.executable, "-c", WORKER])
    try:
        assert wait_for(lambda: bool(children(worker.pid)), 30), "the worker started no ffmpeg"
        [ffmpeg] = children(worker.pid)
        worker.send_signal(signal.SIGKILL)
        worker.wait()

        gone = wait_for(lambda: not running(ffmpeg), 2)
        if not gone:
            os.kill(ffmpeg, signal.SIGKILL)
        assert gone, "ffmpeg outlived its worker"
    finally:
        worker.kill()


def test_an_abandoned_run_stops_its_ffmpeg() -> None:
    def give_up(_fraction: float) -> None:
        raise MediaError("encode", "the job was cancelled")

    others = set(children("self"))  # servers the suite's other fixtures started
    with pytest.raises(MediaError, match="cancelled"):
        run_ffmpeg(LONG_RUN, step="encode", duration_s=600, on_progress=give_up)

    assert set(children("self")) <= others
