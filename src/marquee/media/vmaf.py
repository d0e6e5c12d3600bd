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
    """A filter keeping frames 0, n, 2n…"""
    return f"select='not(mod(n\\,{n}))'"


def pick_pairs(n: int) -> str:
    """A filter keeping frames 0 and 1, n and n + 1…: the reference frames that
    :func:`measure_vmaf_keyframes` scores at (every n-th), each with the frame after it, from
    which VMAF's motion feature reads how much the picture moves there."""
    return f"select='lt(mod(n\\,{n})\\,2)'"


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
    """:func:`measure_vmaf` for several renditions in one run: the source is decoded once.

    libvmaf scores one frame in ``subsample`` (its ``n_subsample``) but sees every reference
    frame: VMAF's motion feature compares each reference frame with its neighbours, and with
    frames picked before libvmaf it read n frames' motion as one frame's and scored high
    (bikes' 416x176 rung, 79.0 over every frame: 83.8 at one frame in 3, 94.1 at one in 30).
    Each rendition's frames are still picked before they are scaled up (the costly part) and
    repeated (``fps``) to fill the positions libvmaf skips."""
    reference, width, height = reference_filter(info, plan)
    refill = (f"{pick_every(subsample)},", f",fps={plan.frame_rate}") if subsample > 1 else ("", "")
    inputs = [["-i", str(path)] for path in renditions]
    return _score(
        inputs,
        ["-i", str(source)],
        distorted=refill,
        reference=reference,
        size=(width, height),
        threads=threads,
        duration_s=info.duration_s,
        subsample=subsample,
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
    source's frames at those instants, each followed by the frame after it (:func:`pick_pairs`,
    written while encoding; see ``single_pass``).

    Only keyframes are decoded (``-skip_frame nokey``), so this costs little more than
    libvmaf itself. Both sides are renumbered so libvmaf pairs them by position: each
    keyframe, repeated, stands at the even positions (scored) and beside its reference's next
    frame (not scored), so VMAF's motion feature measures the motion at that instant, not
    between keyframes seconds apart (which scored 4-15 points high; :func:`measure_vmaf_many`).
    """
    pick = f"{pick_every(every)}," if every > 1 else ""
    inputs = [["-skip_frame", "nokey", "-i", str(path)] for path in renditions]
    return _score(
        inputs,
        ["-i", str(reference_frames)],
        distorted=(f"{pick}settb=1,setpts=2*N,", ",fps=1"),
        reference="settb=1,setpts=N",
        size=size,
        threads=threads,
        duration_s=None,
        subsample=2,
    )


def _score(
    inputs: list[list[str]],
    reference_input: list[str],
    *,
    distorted: tuple[str, str],
    reference: str,
    size: tuple[int, int],
    threads: int,
    duration_s: float | None,
    subsample: int = 1,
) -> list[VmafResult]:
    """One libvmaf per distorted input, all against one reference, in one ffmpeg run.
    ``distorted`` is what goes before and after the scaling of each distorted input;
    ``reference`` is the whole reference chain; libvmaf scores one frame in ``subsample``."""
    width, height = size
    count = len(inputs)
    with tempfile.TemporaryDirectory() as tmp:
        logs = [Path(tmp) / f"vmaf-{n}.json" for n in range(count)]
        refs = "".join(f"[ref{n}]" for n in range(count))
        graph = [f"[{count}:v:0]{reference},split={count}{refs}"]
        before, after = distorted
        for n, log in enumerate(logs):
            graph.append(
                f"[{n}:v:0]{before}scale={width}:{height}:flags=bicubic,setsar=1,"
                f"format=yuv420p{after}[dist{n}];[dist{n}][ref{n}]libvmaf=n_threads={threads}"
                f":n_subsample={subsample}:shortest=1:log_fmt=json:log_path={log}"
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
