"""The one place that runs ffmpeg: locating the binary, progress parsing, clear errors."""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import imageio_ffmpeg

from marquee.kit.process import dies_with_parent

ProgressCallback = Callable[[float], None]

#: Most threads one ffmpeg run may use; callers (and tests) may pass fewer.
DEFAULT_THREADS = 2
_TAIL_LINES = 12
#: What ffmpeg says when it could not write its outputs: the machine's fault, not the source's.
_WRITE_FAILED = re.compile(
    "No space left on device|Disk quota exceeded|Read-only file system"
    "|Error opening output|Could not write header|Error writing trailer"
)


class MediaError(Exception):
    """A media step failed; ``step`` names it (``probe``, ``qc``, ``encode``...)."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


def failed_writing(exc: MediaError) -> bool:
    """Whether a failed run failed writing its outputs (a full disk) rather than reading."""
    return _WRITE_FAILED.search(exc.reason) is not None


@dataclass(frozen=True)
class FfmpegRun:
    """What a finished ffmpeg run left behind: its log and how far it got."""

    stderr: str
    out_time_s: float


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped in the imageio-ffmpeg wheel."""
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def log_tail(stderr: str, lines: int = _TAIL_LINES) -> str:
    """The last non-empty lines of an ffmpeg log, for error messages."""
    kept = [line for line in stderr.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def run_ffmpeg(
    args: Sequence[str | Path],
    *,
    step: str,
    duration_s: float | None = None,
    on_progress: ProgressCallback | None = None,
    loglevel: str = "error",
) -> FfmpegRun:
    """Run ``ffmpeg <args>`` and return its log; raise MediaError(step, ...) when it fails.

    Progress comes from ``-progress pipe:1`` (key=value lines on stdout); stderr goes to a
    temporary file so that a chatty log can never block the pipe. ffmpeg never outlives the
    run: it is killed when ``on_progress`` raises, and by the kernel when this process is
    killed (:func:`marquee.kit.process.dies_with_parent`).
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-y", "-loglevel", loglevel]
    cmd += ["-progress", "pipe:1", *map(str, args)]
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err, text=True, preexec_fn=dies_with_parent()
        )
        try:
            assert proc.stdout is not None
            out_time_s = _follow_progress(proc.stdout, duration_s, on_progress)
            code = proc.wait()
        finally:
            _stop(proc)
        err.seek(0)
        stderr = err.read().decode("utf-8", errors="replace")
    if code != 0:
        raise MediaError(step, f"ffmpeg exited with status {code}:\n{log_tail(stderr)}")
    if on_progress is not None:
        on_progress(1.0)
    return FfmpegRun(stderr=stderr, out_time_s=out_time_s)


def _stop(proc: subprocess.Popen[str]) -> None:
    """Kill ``proc`` if it still runs (the run was abandoned) and reap it."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def _follow_progress(
    lines: Iterable[str], duration_s: float | None, on_progress: ProgressCallback | None
) -> float:
    """Read ``-progress`` output to the end; report fractions; return the last output time."""
    out_time_s = 0.0
    for line in lines:
        key, _, value = line.strip().partition("=")
        if key != "out_time_us" or not value.lstrip("-").isdigit():
            continue
        out_time_s = max(out_time_s, int(value) / 1_000_000)
        if on_progress is not None and duration_s:
            on_progress(min(out_time_s / duration_s, 1.0))
    return out_time_s
