"""The whole ladder from ONE decode of the source, which also does the source's QC, the
thumbnails and picks the VMAF reference frames (``MARQUEE_MEDIA_ENCODE_JOBS=ladder``).

Every extra pass over a 1080p source costs about as much CPU as decoding it, which on two
cores is a large share of the encode (docs/media.md, "Benchmark"). The decoded picture is
therefore ``split`` into the renditions and four cheap taps: black detection on a small
picture, the trick-play thumbnails and the poster candidates (frames picked before they are
scaled), and the reference frames at the instants that VMAF scores later. Every
audio track goes through silence detection and loudnorm's measurement. The renditions carry
no audio: normalising needs the whole programme's loudness first, so the audio is encoded
afterwards (an audio-only decode, cheap).
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from marquee.media.encode import EncodeResult, describe_output, ladder_outputs
from marquee.media.ffmpeg import (
    DEFAULT_THREADS,
    MediaError,
    ProgressCallback,
    failed_writing,
    run_ffmpeg,
)
from marquee.media.ladder import LadderPlan
from marquee.media.probe import SourceInfo
from marquee.media.qc import QC_LOGLEVEL, QCLimits, QCReport, decode_failed, qc_filters, qc_report
from marquee.media.thumbnails import (
    POSTER_NAME,
    Poster,
    TrickPlay,
    pick_poster,
    plan_trickplay,
    poster_candidates_filter,
    poster_candidates_output,
    trickplay_filter,
    trickplay_output,
    write_trickplay_vtt,
)
from marquee.media.vmaf import pick_pairs, reference_filter

REFERENCE_NAME = "vmaf-reference.nut"


class SinglePass(BaseModel):
    """What the pass made; when ``qc`` did not pass, only the report."""

    model_config = ConfigDict(frozen=True)

    qc: QCReport
    encodes: list[EncodeResult] = []
    poster: Poster | None = None
    trickplay: TrickPlay | None = None
    #: The source's frames at the instants VMAF scores (:func:`vmaf_frames`), each with the
    #: frame after it, at ``vmaf_size``.
    reference_frames: str = ""
    vmaf_size: tuple[int, int] = (0, 0)


def vmaf_gop_every(info: SourceInfo, plan: LadderPlan, subsample: int, most: int) -> int:
    """Score a frame in one GOP in this many: at least ``subsample`` frames apart, at most
    ``most`` of them in all."""
    total = math.ceil(round(info.duration_s * plan.fps) / plan.gop_frames)
    return max(math.ceil(subsample / plan.gop_frames), math.ceil(total / most))


def vmaf_frames(plan: LadderPlan, gop_every: int) -> tuple[int, int]:
    """The frames VMAF scores in ladder mode, as (every, offset): the middle frame of one GOP
    in ``gop_every``."""
    return gop_every * plan.gop_frames, plan.gop_frames // 2


def encode_single_pass(
    source: Path,
    info: SourceInfo,
    plan: LadderPlan,
    outs: list[Path],
    work: Path,
    *,
    limits: QCLimits,
    trickplay_interval_s: float,
    vmaf_every: int,
    threads: int = DEFAULT_THREADS,
    on_progress: ProgressCallback | None = None,
) -> SinglePass:
    """Encode ``plan`` into ``outs`` (video only) and write the thumbnails into ``work/thumbs``
    and the VMAF reference frames into ``work``, all from one decode of ``source``.

    A source that does not decode to the end fails QC (``qc.passed`` false), as with
    :func:`marquee.media.qc.run_qc`.
    """
    play = plan_trickplay(info, interval_s=trickplay_interval_s)
    thumbs, candidates = work / "thumbs", work / "poster-candidates"
    reference = work / REFERENCE_NAME
    graph, args, size = _graph(info, plan, outs, play, vmaf_every, threads)
    qc_graph, qc_labels = qc_filters(info, limits, video="[tqc]")
    args = ["-i", str(source), "-filter_complex", ";".join([*graph, *qc_graph]), *args]
    args += ["-map", "[tp]", *trickplay_output(thumbs)]
    args += ["-map", "[pc]", *poster_candidates_output(candidates)]
    args += ["-map", "[rf]", "-c:v", "rawvideo", "-fps_mode", "passthrough", str(reference)]
    args += [*(a for label in qc_labels for a in ("-map", label)), "-f", "null", "-"]
    try:
        run = run_ffmpeg(
            args,
            step="qc",
            duration_s=info.duration_s,
            on_progress=on_progress,
            loglevel=QC_LOGLEVEL,
        )
    except MediaError as exc:
        if failed_writing(exc):
            raise  # a full disk is no reason to reject the source: the job is tried again
        return SinglePass(qc=decode_failed(info, limits, exc))
    report = qc_report(info, limits, run.stderr, run.out_time_s)
    if not report.passed:
        return SinglePass(qc=report)
    write_trickplay_vtt(play, thumbs, info.duration_s)
    return SinglePass(
        qc=report,
        encodes=[describe_output(out) for out in outs],
        poster=pick_poster(info, candidates, thumbs / POSTER_NAME),
        trickplay=play,
        reference_frames=str(reference),
        vmaf_size=size,
    )


def _graph(
    info: SourceInfo,
    plan: LadderPlan,
    outs: list[Path],
    play: TrickPlay,
    vmaf_every: int,
    threads: int,
) -> tuple[list[str], list[str], tuple[int, int]]:
    """The split into renditions and taps, the renditions' chains and output options."""
    assert info.video is not None
    n = len(plan.renditions)
    labels = [f"[s{i}]" for i in range(n)]
    reference, width, height = reference_filter(info, plan)
    graph = [
        f"[0:v:0]split={n + 4}{''.join(labels)}[tqc][ttp][tpc][trf]",
        f"[ttp]{trickplay_filter(info.video, play)}[tp]",
        f"[tpc]{poster_candidates_filter(info)}[pc]",
        f"[trf]{reference},{pick_pairs(*vmaf_frames(plan, vmaf_every))}[rf]",
    ]
    chains, args = ladder_outputs(info, plan, labels, outs, threads=threads)
    return [*graph, *chains], args, (width, height)
