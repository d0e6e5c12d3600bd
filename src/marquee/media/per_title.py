"""Per-title ladder: rungs chosen on the title's own bitrate-quality convex hull.

A sample of the title (a few short scenes spread over its runtime, at most a third of a
short one) is encoded at several sizes and CRF points; each probe's VMAF is measured against
the sample at the source's size (the probe scaled back up, as the renditions are scored).
The upper convex hull of (log bit rate, VMAF) over all probes gives, for every quality, the
cheapest size to reach it; rungs sit on that hull :data:`VMAF_STEP` points apart from
:data:`TOP_VMAF` down. See docs/media.md for the figures.
"""

from __future__ import annotations

import logging
import math
import resource
import time
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict
from scipy.interpolate import PchipInterpolator

from marquee.media.encode import video_filter, x264_params
from marquee.media.ffmpeg import DEFAULT_THREADS, MediaError, ProgressCallback, run_ffmpeg
from marquee.media.ladder import (
    MIN_STEP,
    LadderPlan,
    LadderSpec,
    Rung,
    display_size,
    plan_ladder,
    plan_rungs,
    rung_sizes,
)
from marquee.media.probe import SourceInfo, probe
from marquee.media.vmaf import measure_vmaf_many

log = logging.getLogger(__name__)

#: A clip shorter than this is not probed (too little picture to judge): the fixed ladder.
MIN_PROBE_S = 3.0
#: Titles are probed through scenes of SCENE_S spread over the runtime: as many as fit in
#: SAMPLE_SHARE of it, at least MIN_SCENES and at most SCENES. The probes' cost is the
#: sample's, so on a short title it would otherwise outweigh the ladder's own encodes.
SCENE_S = 1.0
MIN_SCENES = 2
SCENES = 4
SAMPLE_SHARE = 1 / 3
#: x264 CRF points of each probe size (lower: better), the CRFs between them interpolated
#: (:func:`interpolate`): VMAF ~35 to ~99 on most titles.
CRFS = (21, 30, 40)
#: x264's rate halves about every 6 CRF; between probes where it falls twice as fast the
#: encoder is dropping content (grain), and the CRFs between are not interpolated.
STEEPEST_CRF_HALVING = 3.0
#: At most this many probe sizes, each at most PROBE_SIZE_RATIO the height of the one above.
MAX_PROBE_SIZES = 4
PROBE_SIZE_RATIO = 0.67
#: VMAF of one probe frame in this many.
PROBE_VMAF_EVERY = 3
#: The top rung aims at this VMAF (past it viewers see no difference, bits are wasted).
TOP_VMAF = 95.0
#: Rungs this many VMAF points apart: about one just-noticeable difference (Netflix: ~6);
#: the probes' spacing allows less, never under MIN_VMAF_STEP.
VMAF_STEP = 6.0
MIN_VMAF_STEP = 4.0
#: At most MAX_RUNGS rungs, and no more than the fixed ladder of the same source has (at
#: least MIN_RUNGS): every rung is an encode, a set of files and a switch more, and more
#: rungs than the fixed ladder's put per-title + AV1 over 3x its CPU on sources of 2-4
#: fixed rungs (854x480 bbb: 6 rungs for 4, 3.6x; docs/media.md).
MAX_RUNGS = 6
MIN_RUNGS = 2
#: Probes scoring less than this are no use to anyone: never a rung.
BOTTOM_VMAF = 35.0
#: A dearer probe must score this much more VMAF to join the hull.
MIN_GAIN = 0.5
#: Neighbouring rungs at most this many times each other's rate where the probes allow
#: (Apple's HLS authoring specification: adjacent rates 1.5-2x apart).
MAX_RATE_STEP = 2.0


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class ProbePoint(_Model):
    """One probe encode: size, CRF, bit rate and VMAF against the source."""

    width: int
    height: int
    crf: int
    kbps: float
    vmaf: float


class ChosenRung(_Model):
    """A rung: the probe it is (size, CRF), its rate and VMAF as probed."""

    name: str
    width: int
    height: int
    crf: int
    kbps: int
    vmaf: float


class PerTitleLadder(_Model):
    """What the ladder was chosen from, stored with the asset (``asset.ladder["per_title"]``)
    and shown by the studio's Media tab."""

    method: Literal["per-title", "fallback"]
    #: Why the fixed ladder was used instead (fallback only).
    reason: str | None = None
    sample_s: float = 0.0
    probes: list[ProbePoint] = []
    hull: list[ProbePoint] = []
    rungs: list[ChosenRung] = []
    #: CPU seconds of the probe encodes and their VMAF (ffmpeg's children), and wall time.
    cpu_s: float = 0.0
    wall_s: float = 0.0


def sample_spans(duration_s: float) -> list[tuple[float, float]]:
    """(start, length) of the scenes probed: scenes of :data:`SCENE_S` (the whole title if
    shorter) at the middles of equal parts of the runtime, as many as fit in
    :data:`SAMPLE_SHARE` of it within :data:`MIN_SCENES` to :data:`SCENES`."""
    if duration_s <= MIN_SCENES * SCENE_S:
        return [(0.0, duration_s)]
    scenes = min(SCENES, max(MIN_SCENES, int(duration_s * SAMPLE_SHARE / SCENE_S)))
    part = duration_s / scenes
    return [(part * (n + 0.5) - SCENE_S / 2, SCENE_S) for n in range(scenes)]


def probe_sizes(info: SourceInfo, spec: LadderSpec) -> list[tuple[int, int]]:
    """Sizes to probe: the largest rung that fits the source, then rungs each at most
    :data:`PROBE_SIZE_RATIO` the height of the one before (never above the source); and the
    smallest rung where that leaves one size of several. A source of two close rungs (CIF:
    330x270 and 286x234) probed at the larger alone got a ladder worse than the fixed one
    where the smaller size wins at low rates (noise at 145 kbit/s: VMAF 65 at 330x270, 79 at
    286x234; docs/media.md)."""
    fitting = [(width, height) for _, width, height in rung_sizes(info, spec)]
    sizes: list[tuple[int, int]] = []
    for width, height in fitting:
        if not sizes or height <= sizes[-1][1] * PROBE_SIZE_RATIO:
            sizes.append((width, height))
    if len(sizes) == 1 and len(fitting) > 1:
        sizes.append(fitting[-1])
    return sizes[:MAX_PROBE_SIZES]


def interpolate(probes: Sequence[ProbePoint]) -> list[ProbePoint]:
    """Each size's probes and every whole CRF between them, rate and VMAF read off monotone
    cubics through the probes (log rate and VMAF over CRF: both smooth and monotone in CRF).
    So the hull, and the rungs on it, can sit between the probed CRFs: with the probes alone
    neighbouring points were 6-15 VMAF apart and the top rung, "nearest 95", landed near 92
    or 99."""
    points: list[ProbePoint] = []
    for (width, height), group in groupby(
        sorted(probes, key=lambda p: (p.width, p.height, p.crf)), key=lambda p: (p.width, p.height)
    ):
        measured = list(group)
        crfs = [p.crf for p in measured]
        if len(set(crfs)) < len(crfs) or len(crfs) < 2:
            points += measured
            continue
        log_rate = PchipInterpolator(crfs, [math.log(p.kbps) for p in measured])
        vmaf = PchipInterpolator(crfs, [p.vmaf for p in measured])
        points += [
            ProbePoint(
                width=width,
                height=height,
                crf=crf,
                kbps=round(math.exp(float(log_rate(crf))), 1),
                vmaf=round(float(vmaf(crf)), 2),
            )
            for crf in range(crfs[0], crfs[-1] + 1)
            if crf in crfs or _smooth(measured, crf)
        ]
    return points


def _smooth(measured: Sequence[ProbePoint], crf: int) -> bool:
    """Whether the probes on either side of ``crf`` lie on a curve smooth enough to read
    between: the rate falls no faster than halving every :data:`STEEPEST_CRF_HALVING` CRF.
    Grain or noise that x264 stops coding past some CRF breaks the curve (the grain clip at
    432p: 12,071 kbit/s at CRF 21, 5,984 at 24, 1,075 at 27, 389 at 30; read off the curve,
    CRF 24 was 2,659 and its rung measured 4,466)."""
    low = max((p for p in measured if p.crf < crf), key=lambda p: p.crf)
    high = min((p for p in measured if p.crf > crf), key=lambda p: p.crf)
    halvings = math.log2(low.kbps / high.kbps)
    return halvings <= (high.crf - low.crf) / STEEPEST_CRF_HALVING


def frontier(points: Sequence[ProbePoint]) -> list[ProbePoint]:
    """The points no cheaper one matches, cheapest first: each scores at least MIN_GAIN more
    VMAF than the one before. The convex hull and the points a little under its chords, which
    rungs may use (Mandelbrot: the hull went from 550 to 2,840 kbit/s in one chord)."""
    front: list[ProbePoint] = []
    for point in sorted(points, key=lambda p: (p.kbps, -p.vmaf)):
        if not front or point.vmaf >= front[-1].vmaf + MIN_GAIN:
            front.append(point)
    return front


def convex_hull(points: Sequence[ProbePoint]) -> list[ProbePoint]:
    """The upper convex hull of (log bit rate, VMAF), cheapest first: every point on it has
    at least MIN_GAIN more VMAF than the one before, and no probe lies above it."""
    hull: list[ProbePoint] = []
    for point in frontier(points):
        while len(hull) >= 2 and not _turns_right(hull[-2], hull[-1], point):
            hull.pop()
        hull.append(point)
    return hull


def _turns_right(a: ProbePoint, b: ProbePoint, c: ProbePoint) -> bool:
    """Whether ``b`` lies above the line from ``a`` to ``c`` (concave at ``b``)."""
    ax, bx, cx = math.log(a.kbps), math.log(b.kbps), math.log(c.kbps)
    return (bx - ax) * (c.vmaf - a.vmaf) - (b.vmaf - a.vmaf) * (cx - ax) < 0


def choose_rungs(
    front: Sequence[ProbePoint], bottom_kbps: float | None = None, max_rungs: int = MAX_RUNGS
) -> list[ChosenRung]:
    """Rungs on the frontier (:func:`frontier`, or the hull), best first, each encoded as
    probed (its CRF, capped): the point nearest :data:`TOP_VMAF`; the bottom one, the best
    costing no more than ``bottom_kbps`` (the fixed ladder's bottom rate: a viewer whose
    network carried the fixed ladder's cheapest rung gets as much) or, without one, the
    cheapest; between them points at even quality steps of about :data:`VMAF_STEP`, each at
    least :data:`MIN_VMAF_STEP` and ``ladder.MIN_STEP`` times the rate from its neighbours;
    then, while rungs are left, a point in the middle of each rate step over
    :data:`MAX_RATE_STEP` (a network between them would otherwise fall far). At most
    ``max_rungs``; nothing under :data:`BOTTOM_VMAF` (unless everything is)."""
    usable = [p for p in front if p.vmaf >= BOTTOM_VMAF] or [front[-1]]
    top = _worth_its_rate(min(usable, key=lambda p: abs(p.vmaf - TOP_VMAF)), usable)
    below_top = [p for p in usable if p.kbps <= top.kbps]
    within = [p for p in below_top if bottom_kbps is not None and p.kbps <= bottom_kbps]
    bottom = max(within, key=lambda p: p.vmaf) if within else below_top[0]
    chosen = [top]
    steps = max(1, min(max_rungs - 1, round((top.vmaf - bottom.vmaf) / VMAF_STEP)))
    for n in range(1, steps):
        target = top.vmaf - n * (top.vmaf - bottom.vmaf) / steps
        between = [p for p in usable if _apart(chosen[-1], p) and _apart(p, bottom)]
        if between:
            chosen.append(min(between, key=lambda p: abs(p.vmaf - target)))
    if _apart(chosen[-1], bottom):
        chosen.append(bottom)
    chosen = _fill_rate_gaps(chosen, usable, max_rungs)
    names: set[str] = set()
    return [
        ChosenRung(
            name=_unique(f"{p.height}p", names),
            width=p.width,
            height=p.height,
            crf=p.crf,
            kbps=round(p.kbps),
            vmaf=p.vmaf,
        )
        for p in chosen
    ]


def _worth_its_rate(top: ProbePoint, usable: Sequence[ProbePoint]) -> ProbePoint:
    """``top``, or the best point costing at most 1/:data:`MAX_RATE_STEP` of it while
    scoring less than :data:`MIN_VMAF_STEP` under it: more bits for no visible step buy a
    viewer nothing (grain: 2,584 kbit/s for VMAF 66.4 where 389 gave 65.8)."""
    close = [
        p
        for p in usable
        if top.vmaf - p.vmaf < MIN_VMAF_STEP and p.kbps * MAX_RATE_STEP <= top.kbps
    ]
    return _worth_its_rate(max(close, key=lambda p: p.vmaf), usable) if close else top


def _fill_rate_gaps(
    chosen: list[ProbePoint], usable: Sequence[ProbePoint], max_rungs: int
) -> list[ProbePoint]:
    """``chosen`` (best first) with a point added at the rate nearest the middle (geometric)
    of its widest step over :data:`MAX_RATE_STEP` that has one, until ``max_rungs``."""
    while len(chosen) < max_rungs:
        gaps = sorted(
            (
                n
                for n in range(len(chosen) - 1)
                if chosen[n].kbps > MAX_RATE_STEP * chosen[n + 1].kbps
            ),
            key=lambda n: chosen[n + 1].kbps / chosen[n].kbps,
        )
        fill = None
        for n in gaps:
            high, low = chosen[n], chosen[n + 1]
            inside = [p for p in usable if low.kbps * MIN_STEP <= p.kbps <= high.kbps / MIN_STEP]
            if inside:
                middle = math.sqrt(high.kbps * low.kbps)
                fill = (n + 1, min(inside, key=lambda p: abs(math.log(p.kbps / middle))))
                break
        if fill is None:
            return chosen
        chosen = [*chosen[: fill[0]], fill[1], *chosen[fill[0] :]]
    return chosen


def _apart(higher: ProbePoint, lower: ProbePoint) -> bool:
    """Whether ``lower`` is a step below ``higher`` a viewer sees and a network feels."""
    return higher.vmaf - lower.vmaf >= MIN_VMAF_STEP and lower.kbps * MIN_STEP <= higher.kbps


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}-{n}", n + 1
    taken.add(candidate)
    return candidate


def plan_per_title(
    source: Path,
    info: SourceInfo,
    spec: LadderSpec,
    work: Path,
    *,
    threads: int = DEFAULT_THREADS,
    on_progress: ProgressCallback | None = None,
) -> tuple[LadderPlan, PerTitleLadder]:
    """The per-title plan of ``source`` and what it was chosen from; the fixed ladder of
    ``spec`` (with the reason, logged) when the title is too short to probe, allows a single
    rung, or is too uniform to probe."""
    fixed = plan_ladder(info, spec)
    sizes = probe_sizes(info, spec)
    reason = _not_worth_probing(info, fixed, sizes)
    if reason is not None:
        return fixed, _fallback(reason)
    started, cpu_before = time.monotonic(), _children_cpu_s()
    spans = sample_spans(info.duration_s)
    sample = make_sample(source, info, fixed, spans, work / "probe-sample.nut", threads=threads)
    progress = on_progress or (lambda _: None)
    progress(0.2)
    probes = probe_encodes(
        sample,
        info,
        fixed,
        sizes,
        spec.preset,
        work,
        threads=threads,
        on_progress=progress,
    )
    sample.unlink()
    cost = {
        "cpu_s": round(_children_cpu_s() - cpu_before, 2),
        "wall_s": round(time.monotonic() - started, 2),
    }
    sample_s = round(sum(length for _, length in spans), 2)
    # Points under the floor can never be rungs: left out, they cannot pull the hull over
    # the cheapest usable ones (bbb: from VMAF 25 straight to 58).
    curves = [p for p in interpolate(probes) if p.vmaf >= BOTTOM_VMAF] or probes
    candidates = affordable(curves, fixed)
    if len(convex_hull(candidates)) < 2:  # a small or busy source: all spend over the fixed rates
        candidates = curves
    hull = convex_hull(candidates)
    if len(hull) < 2:
        reason = (
            f"too uniform to probe: the cheapest probe ({hull[0].kbps} kbit/s) scored VMAF"
            f" {hull[0].vmaf:.1f}, and no dearer one {MIN_GAIN} more"
        )
        result = _fallback(reason).model_copy(
            update={"probes": probes, "hull": hull, "sample_s": sample_s, **cost}
        )
        return fixed, result
    rungs = choose_rungs(
        frontier(candidates),
        min(r.video_bitrate_kbps for r in fixed.renditions),
        max_rungs=min(MAX_RUNGS, max(MIN_RUNGS, len(fixed.renditions))),
    )
    log.info("per-title ladder: %d probes in %.1f s of CPU", len(probes), cost["cpu_s"])
    plan = plan_rungs(info, spec, capped_rungs(rungs, fixed))
    # The plan thins rungs that capping brought down to a neighbour's rate: keep the rungs
    # it encodes, so the studio shows the ladder the viewers get.
    encoded = {rendition.name for rendition in plan.renditions}
    kept = [rung for rung in rungs if rung.name in encoded]
    result = PerTitleLadder(
        method="per-title", sample_s=sample_s, probes=probes, hull=hull, rungs=kept, **cost
    )
    return plan, result


def _not_worth_probing(
    info: SourceInfo, fixed: LadderPlan, sizes: Sequence[tuple[int, int]]
) -> str | None:
    """Why the probes would be wasted, if they would: the title is too short to judge, or it
    allows a single rung. With one probe size and one fixed rendition (a source at or under
    the smallest rung, like the 176x144 carphone clip), the rate cap is the fixed bottom rate
    and the probes could only move that one rung's rate a little (carphone: 134 to 115
    kbit/s), for about twice the fixed ladder's CPU."""
    if info.duration_s < MIN_PROBE_S:
        return f"too short to probe ({info.duration_s:.1f} s < {MIN_PROBE_S} s)"
    if len(sizes) == 1 and len(fixed.renditions) == 1:
        width, height = sizes[0]
        return (
            f"a single rung to probe ({width}x{height}): one size fits the source and the fixed"
            " ladder has one rendition"
        )
    return None


def affordable(probes: Sequence[ProbePoint], fixed: LadderPlan) -> list[ProbePoint]:
    """The probes spending no more than the fixed ladder's top rendition (:func:`rate_cap_kbps`).
    The hull is drawn over these when there are two or more, so that the rungs are chosen
    among what may be encoded: capping a chosen rung afterwards (:func:`capped_rungs`) dropped
    bikes' top rung and left a ladder topping out at VMAF 84 (the fixed one: 98). The cap is
    the ladder's top rate, not the fixed rate of the probe's own size: a smaller size at more
    bits than the fixed table gives it is what per-title encoding is for (bikes scores higher
    at 416x176 than at 640x272 for the same rate up to VMAF 95, but the fixed 416x176 rung
    has 145 kbit/s, so the hull had been drawn at 640x272 above that)."""
    cap = rate_cap_kbps(fixed)
    return [p for p in probes if p.kbps <= cap]


def capped_rungs(rungs: Sequence[ChosenRung], fixed: LadderPlan) -> list[tuple[Rung, int, int]]:
    """The chosen rungs as ladder rungs, none spending more than the fixed ladder's top
    rendition: grain or noise can need tens of Mbit/s to reach VMAF 95, which no viewer's
    network carries (such a rung becomes capped VBR at that rate). Only rungs chosen from all
    probes (fewer than two were :func:`affordable`) can be capped."""
    cap = rate_cap_kbps(fixed)
    sized = []
    for r in rungs:
        kbps, crf = (r.kbps, r.crf) if r.kbps <= cap else (cap, None)
        rung = Rung(name=r.name, width=r.width, height=r.height, video_bitrate_kbps=kbps, crf=crf)
        sized.append((rung, r.width, r.height))
    return sized


def rate_cap_kbps(fixed: LadderPlan) -> int:
    """The most a per-title rung may spend: the rate of the top rendition of the source's
    fixed ladder, so a network that carries the fixed ladder's best carries every rung."""
    return max(rendition.video_bitrate_kbps for rendition in fixed.renditions)


def _fallback(reason: str) -> PerTitleLadder:
    log.info("per-title ladder: the fixed ladder instead: %s", reason)
    return PerTitleLadder(method="fallback", reason=reason)


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make_sample(
    source: Path,
    info: SourceInfo,
    plan: LadderPlan,
    spans: list[tuple[float, float]],
    out: Path,
    *,
    threads: int = DEFAULT_THREADS,
) -> Path:
    """The probed scenes joined, at the source's upright size through the encoder's own
    picture chain, as raw pictures, so probes are scored against the source. Raw, not x264
    QP 0: the sample is decoded once per probe size and once for VMAF, and a lossless H.264
    decode cost 0.6 s of CPU each for 4 s of 720p against 0.05 s (raw: 140 MB; 4 s of
    1080p30 about 370 MB)."""
    if info.video is None:
        raise MediaError("ladder", "the source has no video stream")
    width, height = display_size(info.video)
    chain = video_filter(info.video, width, height, plan.frame_rate)
    args: list[str] = []
    for start, length in spans:
        args += ["-ss", f"{start:.3f}", "-t", f"{length:.3f}", "-i", str(source)]
    labels = "".join(f"[s{n}]" for n in range(len(spans)))
    # Each scene from time 0: a scene whose first frame came out at 40 ms put the sample one
    # frame out of step with its probes, and every probe scored 20 to 40 VMAF too low.
    graph = [f"[{n}:v:0]setpts=PTS-STARTPTS,{chain}[s{n}]" for n in range(len(spans))]
    graph.append(f"{labels}concat=n={len(spans)}:v=1:a=0[out]")
    args += ["-filter_complex", ";".join(graph), "-map", "[out]"]
    args += ["-c:v", "rawvideo", "-threads", str(threads)]
    run_ffmpeg([*args, str(out)], step="probe-encode")
    return out


def probe_encodes(
    sample: Path,
    info: SourceInfo,
    plan: LadderPlan,
    sizes: list[tuple[int, int]],
    preset: str,
    work: Path,
    *,
    threads: int = DEFAULT_THREADS,
    on_progress: ProgressCallback | None = None,
) -> list[ProbePoint]:
    """Encode ``sample`` at every size × :data:`CRFS` (one decode per size) and score each."""
    sample_info = probe(sample)
    if sample_info.video is None or not sample_info.duration_s:
        raise MediaError("ladder", "the probe sample has no video")
    outs: list[tuple[int, int, int, Path]] = []
    for n, (width, height) in enumerate(sizes):
        outs += _encode_size(sample, sample_info, plan, width, height, preset, work, threads)
        if on_progress is not None:
            on_progress(0.2 + 0.5 * (n + 1) / len(sizes))
    scores = measure_vmaf_many(
        [path for *_, path in outs],
        sample,
        sample_info,
        plan,
        subsample=PROBE_VMAF_EVERY,
        threads=threads,
    )
    points = [
        ProbePoint(
            width=width,
            height=height,
            crf=crf,
            kbps=round(path.stat().st_size * 8 / 1000 / sample_info.duration_s, 1),
            vmaf=round(score.mean, 2),
        )
        for (width, height, crf, path), score in zip(outs, scores, strict=True)
    ]
    for _, _, _, path in outs:
        path.unlink()
    return points


def _encode_size(
    sample: Path,
    sample_info: SourceInfo,
    plan: LadderPlan,
    width: int,
    height: int,
    preset: str,
    work: Path,
    threads: int,
) -> list[tuple[int, int, int, Path]]:
    """Every CRF point of one size from one decode of the sample (same GOP as the ladder)."""
    assert sample_info.video is not None
    gop = str(plan.gop_frames)
    chain = video_filter(sample_info.video, width, height, None)
    labels = "".join(f"[c{crf}]" for crf in CRFS)
    args = ["-i", str(sample), "-filter_complex", f"[0:v:0]{chain},split={len(CRFS)}{labels}"]
    outs = []
    for crf in CRFS:
        path = work / f"probe-{height}p-crf{crf}.mp4"
        args += ["-map", f"[c{crf}]", "-c:v", "libx264", "-preset", preset, "-crf", str(crf)]
        args += ["-x264-params", x264_params(preset)]
        args += [
            "-g",
            gop,
            "-keyint_min",
            gop,
            "-sc_threshold",
            "0",
            "-threads",
            str(threads),
            str(path),
        ]
        outs.append((width, height, crf, path))
    run_ffmpeg(args, step="probe-encode")
    return outs
