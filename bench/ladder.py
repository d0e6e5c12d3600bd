"""Per-title ladders (H.264, and AV1 at the same sizes) against the fixed H.264 ladder.

    .venv/bin/python bench/ladder.py [--smoke] [--seconds 10] [--only NAME ...] [--work DIR]
        [--av1-preset 9] [--av1-max-rungs 3] [--hull-bound] [--clip PATH ...]

For each clip (those of ``../shared/data/video_clips``, their first ``--seconds``, and three
generated ones: ``testsrc2``, the same with film grain, and a Mandelbrot zoom; or the clips
given with ``--clip``):

1. the fixed ladder (``plan_ladder``) is encoded, every rendition scored with VMAF against the
   source at the source's size;
2. the per-title ladder (``plan_per_title``: probe encodes, hull, rungs) is encoded and scored;
3. the AV1 twins of the per-title rungs, as the pipeline encodes them (``ladder.with_av1``:
   about every other rung, at most ``--av1-max-rungs``, SVT-AV1 preset ``--av1-preset``
   (the pipeline's default; one faster where the twins hold most of the fixed ladder's
   pixels), the same sizes and GOP, capped CRF at ``ladder.av1_crf`` of the H.264 rung's
   CRF), are encoded and scored.

Each ladder's rate-quality curve is its renditions' (measured kbit/s, VMAF); printed: the
BD-rate (``marquee.media.bdrate``) of per-title H.264 and of per-title AV1 against the fixed
ladder (negative = fewer bits at equal VMAF; "n/a" where a ladder has a single rung or the
curves share no VMAF range), and the CPU seconds of each (ffmpeg's) over the fixed ladder's:
per-title including its probes, AV1 including the probes and the per-title H.264 set, which
clients without AV1 still need (and each step's own: probes, per-title rungs, AV1 twins); and
the per-title rungs as the probes predicted them (kbit/s, VMAF), to compare with what their
encodes measured. ``--only``: the clips whose names contain one of these words. ``--smoke``:
one tiny generated clip, a few seconds of CPU. ``--hull-bound``: also the most any H.264
ladder on the fixed ladder's sizes could save, with the same encoder options: the whole clip
encoded at each of those sizes at x264 CRF 18 to 33 (every 3), scored, and the BD-rate of
these encodes' upper hull against the fixed ladder (a bound the probes, which see a sample
and a few sizes, can approach but not pass). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from marquee.media.bdrate import bd_rate  # noqa: E402
from marquee.media.encode import video_args  # noqa: E402
from marquee.media.ffmpeg import MediaError, run_ffmpeg  # noqa: E402
from marquee.media.ladder import (  # noqa: E402
    AV1_MAX_RUNGS,
    DEFAULT_LADDER,
    LadderPlan,
    Rendition,
    plan_ladder,
    with_av1,
)
from marquee.media.per_title import ProbePoint, convex_hull, plan_per_title  # noqa: E402
from marquee.media.probe import SourceInfo, probe  # noqa: E402
from marquee.media.vmaf import measure_vmaf_many  # noqa: E402
from marquee.settings import Settings  # noqa: E402

CLIPS = ROOT.parent / "shared" / "data" / "video_clips"
VMAF_EVERY = 3
#: The pipeline's SVT-AV1 preset by default (``MARQUEE_MEDIA_AV1_PRESET``).
AV1_PRESET: int = Settings.model_fields["media_av1_preset"].default
#: x264 CRFs of ``--hull-bound``'s encodes.
BOUND_CRFS = range(18, 34, 3)
GENERATED = {
    "testsrc2_720p": "testsrc2=s=1280x720:r=25",
    "grain_720p": "testsrc2=s=1280x720:r=25,noise=alls=24:allf=t",
    "mandelbrot_720p": "mandelbrot=s=1280x720:r=25",
}


@dataclass
class Curve:
    points: list[tuple[float, float]]
    cpu_s: float


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def generate(name: str, source: str, seconds: float, work: Path) -> Path:
    out = work / f"{name}.mp4"
    args = ["-f", "lavfi", "-i", f"{source}", "-t", str(seconds), "-c:v", "libx264"]
    run_ffmpeg(
        [*args, "-preset", "veryfast", "-crf", "14", "-pix_fmt", "yuv420p", str(out)], step="bench"
    )
    return out


def cut(clip: Path, seconds: float, work: Path) -> Path:
    out = work / clip.name
    run_ffmpeg(
        ["-i", str(clip), "-t", str(seconds), "-map", "0:v:0", "-c", "copy", str(out)], step="bench"
    )
    return out


def encode(
    source: Path, info: SourceInfo, plan: LadderPlan, renditions: list[Rendition], work: Path
) -> list[Path]:
    """``renditions`` of ``plan`` with the pipeline's encoder options (video only)."""
    assert info.video is not None
    outs = []
    for rendition in renditions:
        out = work / f"{rendition.name}.mp4"
        args = ["-i", str(source), "-map", "0:v:0", *video_args(info.video, plan, rendition, 2)]
        run_ffmpeg([*args, "-an", str(out)], step="bench")
        outs.append(out)
    return outs


def score(
    outs: list[Path], source: Path, info: SourceInfo, plan: LadderPlan
) -> list[tuple[float, float]]:
    results = measure_vmaf_many(outs, source, info, plan, subsample=VMAF_EVERY)
    points = []
    for out, result in zip(outs, results, strict=True):
        seconds = probe(out).duration_s or info.duration_s
        points.append((out.stat().st_size * 8 / 1000 / seconds, result.mean))
        out.unlink()
    return points


def measure(
    source: Path, work: Path, av1_preset: int, av1_max_rungs: int, with_bound: bool
) -> dict[str, Curve]:
    info = probe(source)
    spec = DEFAULT_LADDER.model_copy(update={"preset": "veryfast"})
    fixed = plan_ladder(info, spec)
    start = cpu_s()
    outs = encode(source, info, fixed, fixed.renditions, work)
    fixed_cpu = cpu_s() - start
    curves = {"fixed": Curve(score(outs, source, info, fixed), fixed_cpu)}
    start = cpu_s()
    plan, chosen = plan_per_title(source, info, spec, work)
    probe_cpu = cpu_s() - start
    if chosen.reason:
        print(f"  per-title fell back: {chosen.reason}")
    start = cpu_s()
    plan = with_av1(plan, av1_preset, av1_max_rungs, fixed)
    h264 = [r for r in plan.renditions if r.codec == "h264"]
    outs = encode(source, info, plan, h264, work)
    rungs_cpu = cpu_s() - start
    curves["per-title h264"] = Curve(score(outs, source, info, plan), probe_cpu + rungs_cpu)
    start = cpu_s()
    outs = encode(source, info, plan, [r for r in plan.renditions if r.codec == "av1"], work)
    twins_cpu = cpu_s() - start
    # The H.264 set stays for clients without AV1: both sets are the cost of AV1.
    curves["per-title av1"] = Curve(
        score(outs, source, info, plan), probe_cpu + rungs_cpu + twins_cpu
    )
    print(
        f"  probes: {len(chosen.probes)} encodes of {chosen.sample_s} s, {probe_cpu:.1f} s of CPU;"
        f" per-title rungs {rungs_cpu:.1f} s, AV1 twins {twins_cpu:.1f} s"
    )
    predicted = ", ".join(
        f"{r.width}x{r.height} crf {r.crf} {r.kbps}k/{r.vmaf:.1f}" for r in chosen.rungs
    )
    print(f"  per-title rungs as probed: [{predicted}]")
    if with_bound:
        curves["h264 hull bound"] = hull_bound(source, info, fixed, work)
    return curves


def hull_bound(source: Path, info: SourceInfo, fixed: LadderPlan, work: Path) -> Curve:
    """The upper hull of the whole clip encoded at every fixed rung's size × :data:`BOUND_CRFS`,
    peaks capped at twice the fixed ladder's top peak (so the CRF, not the cap, sets them)."""
    top = fixed.renditions[0]
    start = cpu_s()
    encodes = [
        rendition.model_copy(
            update={
                "name": f"bound-{rendition.name}-crf{crf}",
                "crf": crf,
                "maxrate_kbps": 2 * top.maxrate_kbps,
                "bufsize_kbits": 2 * top.bufsize_kbits,
            }
        )
        for rendition in fixed.renditions
        for crf in BOUND_CRFS
    ]
    points = score(encode(source, info, fixed, encodes, work), source, info, fixed)
    hull = convex_hull(
        [
            ProbePoint(width=r.width, height=r.height, crf=r.crf or 0, kbps=kbps, vmaf=vmaf)
            for r, (kbps, vmaf) in zip(encodes, points, strict=True)
        ]
    )
    return Curve([(p.kbps, p.vmaf) for p in hull], cpu_s() - start)


def bd(reference: Curve, test: Curve) -> str:
    try:
        return f"{bd_rate(reference.points, test.points):+.1f}%"
    except MediaError:
        return "n/a"


def report(curves: dict[str, Curve]) -> None:
    fixed = curves["fixed"]
    for label, curve in curves.items():
        rungs = ", ".join(f"{kbps:.0f}k/{vmaf:.1f}" for kbps, vmaf in curve.points)
        ratio = curve.cpu_s / fixed.cpu_s if fixed.cpu_s else float("nan")
        saving = "" if curve is fixed else f"  BD-rate {bd(fixed, curve)}"
        print(f"  {label:15} cpu {curve.cpu_s:6.1f} s ({ratio:4.2f}x){saving}  [{rungs}]")


def wanted(name: str, only: list[str] | None) -> bool:
    return only is None or any(word in name for word in only)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one tiny generated clip (CI)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--av1-preset", type=int, default=AV1_PRESET)
    parser.add_argument("--av1-max-rungs", type=int, default=AV1_MAX_RUNGS)
    parser.add_argument("--only", nargs="*", default=None, help="clips whose names contain these")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--hull-bound", action="store_true", help="also the H.264 hull's BD-rate")
    parser.add_argument(
        "--clip", type=Path, nargs="+", default=None, help="these clips instead (video only used)"
    )
    args = parser.parse_args()
    missing = [str(clip) for clip in args.clip or [] if not clip.is_file()]
    if missing:
        parser.error(f"no such clip: {', '.join(missing)}")
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-ladder-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.smoke:
            clips = [generate("smoke_360p", "testsrc2=s=640x360:r=25", 4, work)]
        elif args.clip:
            clips = [cut(c, args.seconds, work) for c in args.clip if wanted(c.stem, args.only)]
        else:
            clips = [
                cut(c, args.seconds, work)
                for c in sorted(CLIPS.glob("*.mp4"))
                if wanted(c.stem, args.only)
            ]
            clips += [
                generate(n, s, args.seconds, work)
                for n, s in GENERATED.items()
                if wanted(n, args.only)
            ]
        for clip in clips:
            print(clip.stem)
            report(measure(clip, work, args.av1_preset, args.av1_max_rungs, args.hull_bound))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
