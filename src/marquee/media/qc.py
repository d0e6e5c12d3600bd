"""Quality control: one full decode that checks integrity, black and silent stretches and
EBU R128 loudness (the ``ebur128`` measurement that encode.py turns into one gain). The decode
is QC's own (:func:`run_qc`) or, in ladder mode, the encode's (``single_pass``): the filters and
the reading of their log are the same."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from marquee.media.ffmpeg import DEFAULT_THREADS, MediaError, ProgressCallback, run_ffmpeg
from marquee.media.probe import SourceInfo

#: Loudness target of the platform (EBU R128), which the encoder reaches with one gain.
TARGET_LUFS = -23.0
TARGET_TRUE_PEAK_DBTP = -1.0
#: loudnorm's range target when it must compress (a gain would break the peak ceiling): wide,
#: so that it compresses as little as it can.
TARGET_LRA_LU = 20.0
#: What ebur128 reports for a programme with nothing above its absolute gate.
_GATED_OUT_LUFS = -70.0

_BLACK = re.compile(r"black_start:\s*([\d.]+)\s+black_end:\s*([\d.]+)")
_SILENCE_START = re.compile(r"silence_start:\s*(-?[\d.]+)")
_SILENCE_END = re.compile(r"silence_end:\s*([\d.]+)")
_EBUR128 = re.compile(
    r"\[ebur128@a(\d+) @[^\]]*\] \[info\] Summary:.*?"
    r"I:\s*(\S+) LUFS\s*Threshold:\s*(\S+) LUFS.*?LRA:\s*(\S+) LU.*?Peak:\s*(\S+) dBFS",
    re.DOTALL,
)
#: ffmpeg's log level for a run whose log :func:`qc_report` reads (filters log at info).
QC_LOGLEVEL = "repeat+level+info"
_BLACK_SIZE = "320:180"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class QCLimits(_Model):
    min_duration_s: float = 1.0
    max_duration_s: float = 6 * 3600.0
    max_width: int = 7680
    max_height: int = 4320
    min_fps: float = 10.0
    max_fps: float = 120.0
    #: Missing decoded time tolerated at the end, beyond which the file counts as truncated.
    max_missing_s: float = 0.5
    black_min_s: float = 2.0
    black_pixel_threshold: float = 0.10
    silence_min_s: float = 2.0
    silence_noise_db: float = -60.0


class Segment(_Model):
    start_s: float
    end_s: float


class Loudness(_Model):
    """ebur128's measurement of one audio track; ``None`` values mean digital silence."""

    track_index: int
    integrated_lufs: float | None
    true_peak_dbtp: float | None
    lra_lu: float
    threshold_lufs: float | None


class QCReport(_Model):
    passed: bool
    problems: list[str]
    warnings: list[str]
    decoded_duration_s: float
    black_segments: list[Segment]
    silent_segments: list[Segment]
    loudness: list[Loudness]


def run_qc(
    path: Path,
    info: SourceInfo,
    limits: QCLimits | None = None,
    *,
    threads: int = DEFAULT_THREADS,
    on_progress: ProgressCallback | None = None,
) -> QCReport:
    """Check ``path`` (already probed into ``info``) against ``limits`` in one decode pass."""
    limits = limits or QCLimits()
    graph, labels = qc_filters(info, limits)
    maps = [arg for label in labels for arg in ("-map", label)]
    args = ["-threads", str(threads), "-i", str(path), "-filter_complex", ";".join(graph)]
    try:
        run = run_ffmpeg(
            [*args, *maps, "-f", "null", "-"],
            step="qc",
            duration_s=info.duration_s,
            on_progress=on_progress,
            loglevel=QC_LOGLEVEL,
        )
    except MediaError as exc:
        return decode_failed(info, limits, exc)
    return qc_report(info, limits, run.stderr, run.out_time_s)


def qc_report(info: SourceInfo, limits: QCLimits, log: str, decoded_s: float) -> QCReport:
    """The report from the log of a run that decoded the whole source through
    :func:`qc_filters` (at :data:`QC_LOGLEVEL`), ``decoded_s`` being how far it got."""
    problems = bound_problems(info, limits)
    problems += _decode_problems(log, decoded_s, info.duration_s, limits)
    black = _black_segments(log)
    silent = _silent_segments(log, decoded_s)
    loudness = _loudness(log, info)
    return QCReport(
        passed=not problems,
        problems=problems,
        warnings=_warnings(info, black, silent, loudness),
        decoded_duration_s=decoded_s,
        black_segments=black,
        silent_segments=silent,
        loudness=loudness,
    )


def decode_failed(info: SourceInfo, limits: QCLimits, exc: MediaError) -> QCReport:
    """The report of a source that ffmpeg could not decode to the end."""
    return _undecoded([*bound_problems(info, limits), f"decoding failed: {exc.reason}"])


def probe_report(info: SourceInfo, limits: QCLimits) -> QCReport:
    """The checks that need no decoding (:func:`bound_problems`), as a report of its own:
    enough to reject a source before any decode, or to plan a pass that decodes it once."""
    return _undecoded(bound_problems(info, limits))


def _undecoded(problems: list[str]) -> QCReport:
    return QCReport(
        passed=not problems,
        problems=problems,
        warnings=[],
        decoded_duration_s=0.0,
        black_segments=[],
        silent_segments=[],
        loudness=[],
    )


def bound_problems(info: SourceInfo, limits: QCLimits) -> list[str]:
    """What in the probed description is out of bounds (no decoding needed)."""
    problems = []
    if not limits.min_duration_s <= info.duration_s <= limits.max_duration_s:
        problems.append(
            f"duration {info.duration_s:.2f} s outside "
            f"{limits.min_duration_s:g}..{limits.max_duration_s:g} s"
        )
    video = info.video
    if video is None:
        return [*problems, "no video stream"]
    if video.width > limits.max_width or video.height > limits.max_height:
        problems.append(
            f"resolution {video.width}x{video.height} above {limits.max_width}x{limits.max_height}"
        )
    if not limits.min_fps <= video.fps <= limits.max_fps:
        problems.append(
            f"frame rate {video.fps:.3f} outside {limits.min_fps:g}..{limits.max_fps:g}"
        )
    return problems


def qc_filters(
    info: SourceInfo, limits: QCLimits, video: str = "[0:v:0]"
) -> tuple[list[str], list[str]]:
    """Filter-graph chains that measure QC on the decoded source, and their output labels
    (to map to a ``-f null`` output). ``video`` is the label the picture comes from.

    Black is judged on a small picture (cheap, and the black fraction hardly changes);
    every audio track gets ebur128's measurement with true peak (loudnorm's own measuring
    pass upsamples to 192 kHz and cost more than decoding the audio), the first one silence
    detection too.
    """
    graph, labels = [], []
    if info.video is not None:
        graph.append(
            f"{video}scale={_BLACK_SIZE}:flags=fast_bilinear,"
            f"blackdetect=d={limits.black_min_s}:pix_th={limits.black_pixel_threshold}[qcv]"
        )
        labels.append("[qcv]")
    for n, _track in enumerate(info.audio):
        silence = (
            f"silencedetect=n={limits.silence_noise_db}dB:d={limits.silence_min_s},"
            if n == 0
            else ""
        )
        graph.append(f"[0:a:{n}]{silence}ebur128@a{n}=peak=true:framelog=quiet[qca{n}]")
        labels.append(f"[qca{n}]")
    return graph, labels


def _decode_problems(log: str, decoded_s: float, duration_s: float, limits: QCLimits) -> list[str]:
    problems = []
    errors = [line for line in log.splitlines() if "[error]" in line or "[fatal]" in line]
    if errors:
        problems.append(f"{len(errors)} decoding error(s), first: {errors[0].strip()}")
    if decoded_s < duration_s - limits.max_missing_s:
        problems.append(f"truncated: only {decoded_s:.2f} s of {duration_s:.2f} s could be decoded")
    return problems


def _black_segments(log: str) -> list[Segment]:
    return [Segment(start_s=float(m[1]), end_s=float(m[2])) for m in _BLACK.finditer(log)]


def _silent_segments(log: str, decoded_s: float) -> list[Segment]:
    """Pair silence_start/silence_end lines; a silence still open at the end ends there."""
    segments, start = [], None
    for line in log.splitlines():
        if (m := _SILENCE_START.search(line)) is not None:
            start = max(0.0, float(m[1]))
        elif (m := _SILENCE_END.search(line)) is not None and start is not None:
            segments.append(Segment(start_s=start, end_s=float(m[1])))
            start = None
    if start is not None:
        segments.append(Segment(start_s=start, end_s=decoded_s))
    return segments


def _loudness(log: str, info: SourceInfo) -> list[Loudness]:
    """The summary each ``ebur128@aN`` prints at the end, in track order."""
    found: dict[int, Loudness] = {}
    for m in _EBUR128.finditer(log):
        n, integrated = int(m[1]), _finite(m[2])
        silent = integrated is None or integrated <= _GATED_OUT_LUFS
        found[n] = Loudness(
            track_index=info.audio[n].index,
            integrated_lufs=None if silent else integrated,
            true_peak_dbtp=None if silent else _finite(m[5]),
            lra_lu=_finite(m[4]) or 0.0,
            threshold_lufs=None if silent else _finite(m[3]),
        )
    return [found[n] for n in sorted(found)]


def _finite(value: str) -> float | None:
    number = float(value)
    return number if abs(number) != float("inf") else None


def _warnings(
    info: SourceInfo, black: list[Segment], silent: list[Segment], loudness: list[Loudness]
) -> list[str]:
    warnings = [f"black from {s.start_s:.2f} s to {s.end_s:.2f} s" for s in black]
    warnings += [f"silence from {s.start_s:.2f} s to {s.end_s:.2f} s" for s in silent]
    if not info.audio:
        warnings.append("no audio track")
    warnings += [
        f"audio track {m.track_index} is digitally silent"
        for m in loudness
        if m.integrated_lufs is None
    ]
    return warnings
