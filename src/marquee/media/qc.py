"""Quality control: one full decode that checks integrity, black and silent stretches and
EBU R128 loudness (the loudnorm measurement that encode.py later reuses)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from marquee.media.ffmpeg import DEFAULT_THREADS, MediaError, ProgressCallback, run_ffmpeg
from marquee.media.probe import SourceInfo

#: Loudness target of the platform (EBU R128), also used by the encoder's loudnorm.
TARGET_LUFS = -23.0
TARGET_TRUE_PEAK_DBTP = -1.0
#: A wide loudness range keeps loudnorm in linear mode (one gain, no dynamic compression).
TARGET_LRA_LU = 20.0

_BLACK = re.compile(r"black_start:\s*([\d.]+)\s+black_end:\s*([\d.]+)")
_SILENCE_START = re.compile(r"silence_start:\s*(-?[\d.]+)")
_SILENCE_END = re.compile(r"silence_end:\s*([\d.]+)")
_LOUDNORM = re.compile(r"\[loudnorm@a(\d+) @")


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
    """loudnorm's measurement of one audio track; ``None`` values mean digital silence."""

    track_index: int
    integrated_lufs: float | None
    true_peak_dbtp: float | None
    lra_lu: float
    threshold_lufs: float | None
    target_offset_lu: float


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
    problems = bound_problems(info, limits)
    try:
        run = run_ffmpeg(
            _qc_args(path, info, limits, threads),
            step="qc",
            duration_s=info.duration_s,
            on_progress=on_progress,
            loglevel="repeat+level+info",
        )
    except MediaError as exc:
        return _failed([*problems, f"decoding failed: {exc.reason}"])
    log, decoded = run.stderr, run.out_time_s
    problems += _decode_problems(log, decoded, info.duration_s, limits)
    black = _black_segments(log)
    silent = _silent_segments(log, decoded)
    loudness = _loudness(log, info)
    return QCReport(
        passed=not problems,
        problems=problems,
        warnings=_warnings(info, black, silent, loudness),
        decoded_duration_s=decoded,
        black_segments=black,
        silent_segments=silent,
        loudness=loudness,
    )


def _failed(problems: list[str]) -> QCReport:
    return QCReport(
        passed=False,
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


def _qc_args(path: Path, info: SourceInfo, limits: QCLimits, threads: int) -> list[str]:
    graph, maps = [], []
    if info.video is not None:
        graph.append(
            f"[0:v:0]blackdetect=d={limits.black_min_s}:pix_th={limits.black_pixel_threshold}[v]"
        )
        maps += ["-map", "[v]"]
    loudnorm = f"I={TARGET_LUFS}:TP={TARGET_TRUE_PEAK_DBTP}:LRA={TARGET_LRA_LU}:print_format=json"
    for n, _track in enumerate(info.audio):
        silence = (
            f"silencedetect=n={limits.silence_noise_db}dB:d={limits.silence_min_s},"
            if n == 0
            else ""
        )
        graph.append(f"[0:a:{n}]{silence}loudnorm@a{n}={loudnorm}[a{n}]")
        maps += ["-map", f"[a{n}]"]
    return [
        "-threads",
        str(threads),
        "-i",
        str(path),
        "-filter_complex",
        ";".join(graph),
        *maps,
        "-f",
        "null",
        "-",
    ]


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
    """The JSON block each ``loudnorm@aN`` prints after its header line, in track order."""
    found: dict[int, Loudness] = {}
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if (m := _LOUDNORM.search(line)) is None or lines[i + 1 : i + 2] != ["{"]:
            continue
        end = lines.index("}", i + 1)
        data = json.loads("\n".join(lines[i + 1 : end + 1]))
        n = int(m[1])
        found[n] = Loudness(
            track_index=info.audio[n].index,
            integrated_lufs=_finite(data["input_i"]),
            true_peak_dbtp=_finite(data["input_tp"]),
            lra_lu=_finite(data["input_lra"]) or 0.0,
            threshold_lufs=_finite(data["input_thresh"]),
            target_offset_lu=_finite(data["target_offset"]) or 0.0,
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
