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
        graph = (
            f"[0:v:0]scale={width}:{height}:flags=bicubic,setsar=1,format=yuv420p[dist];"
            f"[1:v:0]{reference}[ref];"
            f"[dist][ref]libvmaf=n_subsample={subsample}:n_threads={threads}"
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
