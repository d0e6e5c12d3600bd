"""VMAF of a rendition against its source (libvmaf with its built-in model)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

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


def measure_vmaf(
    rendition: Path,
    source: Path,
    info: SourceInfo,
    plan: LadderPlan,
    *,
    subsample: int = 5,
    threads: int = DEFAULT_THREADS,
) -> VmafResult:
    """Score every ``subsample``-th frame of ``rendition`` scaled back to the source size.

    The reference goes through the encoder's own picture chain (deinterlace, rotation,
    square pixels, output frame rate) so both sides show the same frames.
    """
    if info.video is None:
        raise MediaError("vmaf", "the source has no video stream")
    width, height = display_size(info.video)
    reference = video_filter(info.video, width, height, plan.frame_rate)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "vmaf.json"
        # Every subsample-th frame is picked before scaling (libvmaf's own n_subsample would
        # still scale and sync every frame): the same output frame numbers on both sides.
        pick = f"select='not(mod(n\\,{subsample}))'," if subsample > 1 else ""
        graph = (
            f"[0:v:0]{pick}scale={width}:{height}:flags=bicubic,setsar=1,format=yuv420p[dist];"
            f"[1:v:0]{reference},{pick}null[ref];"
            f"[dist][ref]libvmaf=n_threads={threads}"
            f":log_fmt=json:log_path={log}"
        )
        args = ["-i", str(rendition), "-i", str(source), "-filter_complex", graph]
        run_ffmpeg([*args, "-f", "null", "-"], step="vmaf", duration_s=info.duration_s)
        report = json.loads(log.read_text())
    pooled = report["pooled_metrics"]["vmaf"]
    return VmafResult(
        mean=pooled["mean"],
        min=pooled["min"],
        harmonic_mean=pooled["harmonic_mean"],
        frames_scored=len(report["frames"]),
        width=width,
        height=height,
    )


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
    if info.video is None:
        raise MediaError("vmaf", "the source has no video stream")
    width, height = display_size(info.video)
    reference = video_filter(info.video, width, height, plan.frame_rate)
    pick = f"select='not(mod(n\\,{subsample}))'," if subsample > 1 else ""
    count = len(renditions)
    with tempfile.TemporaryDirectory() as tmp:
        logs = [Path(tmp) / f"vmaf-{n}.json" for n in range(count)]
        refs = "".join(f"[ref{n}]" for n in range(count))
        graph = [f"[{count}:v:0]{reference},{pick}split={count}{refs}"]
        for n, log in enumerate(logs):
            graph.append(
                f"[{n}:v:0]{pick}scale={width}:{height}:flags=bicubic,setsar=1,format=yuv420p"
                f"[dist{n}];[dist{n}][ref{n}]libvmaf=n_threads={threads}"
                f":log_fmt=json:log_path={log}"
            )
        args = [arg for path in [*renditions, source] for arg in ("-i", str(path))]
        args += ["-filter_complex", ";".join(graph)]
        run_ffmpeg([*args, "-f", "null", "-"], step="vmaf", duration_s=info.duration_s)
        reports = [json.loads(log.read_text()) for log in logs]
    return [
        VmafResult(
            mean=report["pooled_metrics"]["vmaf"]["mean"],
            min=report["pooled_metrics"]["vmaf"]["min"],
            harmonic_mean=report["pooled_metrics"]["vmaf"]["harmonic_mean"],
            frames_scored=len(report["frames"]),
            width=width,
            height=height,
        )
        for report in reports
    ]
