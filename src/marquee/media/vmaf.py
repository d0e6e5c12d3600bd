"""VMAF of renditions against their source (libvmaf with its built-in model)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from marquee.media.encode import video_filter
from marquee.media.ffmpeg import DEFAULT_THREADS, MediaError, run_ffmpeg
from marquee.media.ladder import LadderPlan, display_size
from marquee.media.probe import SourceInfo


class VmafResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    mean: float
    min: float
    harmonic_mean: float
    frames_scored: int
    width: int
    height: int


def reference_filter(info: SourceInfo, plan: LadderPlan) -> tuple[str, int, int]:
    """The encoder's own picture chain (deinterlace, rotation, square pixels, output frame
    rate) at the source's upright size, so that reference and renditions show the same
    frames; with that size."""
    if info.video is None:
        raise MediaError("vmaf", "the source has no video stream")
    width, height = display_size(info.video)
    return video_filter(info.video, width, height, plan.frame_rate), width, height


def pick_every(n: int) -> str:
    """A filter keeping frames 0, n, 2n… (picked before scaling: the same frame numbers on
    both sides, and libvmaf's own n_subsample would still scale and sync every frame)."""
    return f"select='not(mod(n\\,{n}))'"


def measure_vmaf(
    rendition: Path,
    source: Path,
    info: SourceInfo,
    plan: LadderPlan,
    *,
    subsample: int = 5,
    threads: int = DEFAULT_THREADS,
) -> VmafResult:
    """Score every ``subsample``-th frame of ``rendition`` scaled back to the source size."""
    [result] = measure_vmaf_many(
        [rendition],
        source,
        info,
        plan,
        subsample=subsample,
        threads=threads,
    )
    return result


def measure_vmaf_many(
    renditions: list[Path],
    source: Path,
    info: SourceInfo,
    plan: LadderPlan,
    *,
    subsample: int = 5,
    threads: int = DEFAULT_THREADS,
) -> list[VmafResult]:
    """:func:`measure_vmaf` for several renditions in one run: the source is decoded once."""
    reference, width, height = reference_filter(info, plan)
    pick = f"{pick_every(subsample)}," if subsample > 1 else ""
    inputs = [["-i", str(path)] for path in renditions]
    return _score(
        inputs,
        ["-i", str(source)],
        distorted=pick,
        reference=f"{reference},{pick}null",
        size=(width, height),
        threads=threads,
        duration_s=info.duration_s,
    )


def measure_vmaf_keyframes(
    renditions: list[Path],
    reference_frames: Path,
    size: tuple[int, int],
    *,
    every: int,
    threads: int = DEFAULT_THREADS,
) -> list[VmafResult]:
    """Score one keyframe in ``every`` of each rendition against ``reference_frames``: the
    source's frames at those instants, written while encoding (see ``single_pass``).

    Only keyframes are decoded (``-skip_frame nokey``), so this costs little more than
    libvmaf itself. Both sides are renumbered so libvmaf pairs them by position.
    """
    renumber = "settb=1,setpts=N"
    pick = f"{pick_every(every)}," if every > 1 else ""
    inputs = [["-skip_frame", "nokey", "-i", str(path)] for path in renditions]
    return _score(
        inputs,
        ["-i", str(reference_frames)],
        distorted=f"{pick}{renumber},",
        reference=renumber,
        size=size,
        threads=threads,
        duration_s=None,
    )


def _score(
    inputs: list[list[str]],
    reference_input: list[str],
    *,
    distorted: str,
    reference: str,
    size: tuple[int, int],
    threads: int,
    duration_s: float | None,
) -> list[VmafResult]:
    """One libvmaf per distorted input, all against one reference, in one ffmpeg run.
    ``distorted`` prefixes the scaling of each distorted input; ``reference`` is the whole
    reference chain."""
    width, height = size
    count = len(inputs)
    with tempfile.TemporaryDirectory() as tmp:
        logs = [Path(tmp) / f"vmaf-{n}.json" for n in range(count)]
        refs = "".join(f"[ref{n}]" for n in range(count))
        graph = [f"[{count}:v:0]{reference},split={count}{refs}"]
        for n, log in enumerate(logs):
            graph.append(
                f"[{n}:v:0]{distorted}scale={width}:{height}:flags=bicubic,setsar=1,"
                f"format=yuv420p[dist{n}];[dist{n}][ref{n}]libvmaf=n_threads={threads}"
                f":shortest=1:log_fmt=json:log_path={log}"
            )
        args = [arg for item in [*inputs, reference_input] for arg in item]
        args += ["-filter_complex", ";".join(graph)]
        run_ffmpeg([*args, "-f", "null", "-"], step="vmaf", duration_s=duration_s)
        reports = [json.loads(log.read_text()) for log in logs]
    return [_result(report, width, height) for report in reports]


def _result(report: dict[str, Any], width: int, height: int) -> VmafResult:
    pooled = report["pooled_metrics"]["vmaf"]
    return VmafResult(
        mean=pooled["mean"],
        min=pooled["min"],
        harmonic_mean=pooled["harmonic_mean"],
        frames_scored=len(report["frames"]),
        width=width,
        height=height,
    )
