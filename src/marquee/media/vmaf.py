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


def pick_every(n: int, offset: int = 0) -> str:
    """A filter keeping frames offset, offset + n, offset + 2n…"""
    return f"select='eq(mod(n\\,{n})\\,{offset})'"


def pick_pairs(n: int, offset: int = 0) -> str:
    """A filter keeping the frames :func:`pick_every` keeps, each with the frame after it:
    the reference of each scored frame (:func:`_beside_pairs`)."""
    return f"select='between(mod(n\\,{n})\\,{offset}\\,{offset + 1})'"


#: Reference pairs numbered 0, 1, 2… (libvmaf matches frames by position).
RENUMBER = "settb=1,setpts=N"


def _beside_pairs(pick: str) -> tuple[str, str]:
    """What goes before and after the scaling of a rendition whose frames ``pick`` keeps, to
    score them against reference pairs (:func:`pick_pairs`) with libvmaf's ``n_subsample=2``.

    VMAF's motion feature compares each reference frame with its neighbours (more motion
    hides more artifacts). Fed frames picked one in n, it read n frames' motion as one's and
    scored high (bikes' 416x176 rung, 79.0 over every frame: 83.8 at one frame in 3, 94.1 at
    one in 30; docs/media.md, *Thumbnails and VMAF*). So each picked rendition frame takes
    an even position, repeated (``fps``) into the odd one beside the frame after its
    reference, which libvmaf reads for motion and does not score. Frames are picked before
    they are scaled up (the costly part), as before."""
    return f"{pick}settb=1,setpts=2*N,", ",fps=1"


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
    inputs = [["-i", str(path)] for path in renditions]
    paired = subsample > 1
    return _score(
        inputs,
        ["-i", str(source)],
        distorted=_beside_pairs(f"{pick_every(subsample)},") if paired else ("", ""),
        reference=f"{reference},{pick_pairs(subsample)},{RENUMBER}" if paired else reference,
        size=(width, height),
        threads=threads,
        duration_s=info.duration_s,
        paired=paired,
    )


def measure_vmaf_spread(
    renditions: list[Path],
    reference_frames: Path,
    size: tuple[int, int],
    *,
    every: int,
    offset: int,
    threads: int = DEFAULT_THREADS,
) -> list[VmafResult]:
    """Score frames ``offset``, ``offset + every``… of each rendition against
    ``reference_frames``: the source's frames at those instants, each with the frame after
    it (:func:`pick_pairs`), written while encoding (see ``single_pass``).

    The renditions are decoded whole: the frames scored are those between keyframes, which
    x264 codes like most of the programme. Keyframes alone (decoded with ``-skip_frame
    nokey``, the first version) are coded better and scored 1.7-7.6 points high.
    """
    inputs = [["-i", str(path)] for path in renditions]
    return _score(
        inputs,
        ["-i", str(reference_frames)],
        distorted=_beside_pairs(f"{pick_every(every, offset)},"),
        reference=RENUMBER,
        size=size,
        threads=threads,
        duration_s=None,
        paired=True,
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
    paired: bool,
) -> list[VmafResult]:
    """One libvmaf per distorted input, all against one reference, in one ffmpeg run.
    ``distorted`` is what goes before and after the scaling of each distorted input;
    ``reference`` is the whole reference chain; ``paired``: both are in pairs, of which
    libvmaf scores the first (:func:`_beside_pairs`)."""
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
                f":n_subsample={2 if paired else 1}:shortest=1:log_fmt=json:log_path={log}"
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
