"""Whole-pipeline wall time against one hand-written ffmpeg command making the same ladder.

    .venv/bin/python bench/pipeline.py [--quick] [--seconds 60] [--workers 1] [--work DIR]

1. Generates a 1080p source (``testsrc2`` + ``sine``, H.264 + AAC) of ``--seconds``.
2. Runs ONE ffmpeg command that decodes it once, splits the picture into every rendition of the
   ladder (same preset, GOP and rate control as the pipeline) and writes DASH + HLS with
   ``-f dash`` and the same segmenting.
3. Runs the whole pipeline on the embedded platform (object store, queue, in-process workers):
   probe, QC, encodes, VMAF, packaging with encryption, thumbnails.
4. Prints both wall times, their ratio, the realtime factor, and where the pipeline's time went
   (per step), for each ``--ladders`` (fixed and per-title: the latter's probe encodes and
   their CPU seconds too) and ``--modes``; then, unless ``--quick``, the pipeline on the clips of
   ``../shared/data/video_clips`` (first 20 s, at most 3) with VMAF per rendition.

Figures are printed, never asserted. Settings come from the environment as usual
(``MARQUEE_MEDIA_PRESET``, ``MARQUEE_MEDIA_THREADS``…); the data dir is a fresh temp dir.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from marquee import migrate  # noqa: E402
from marquee.media import service  # noqa: E402
from marquee.media.encode import video_filter, x264_params  # noqa: E402
from marquee.media.ffmpeg import run_ffmpeg  # noqa: E402
from marquee.media.ladder import plan_ladder  # noqa: E402
from marquee.media.probe import probe  # noqa: E402
from marquee.media.schemas import AssetOut  # noqa: E402
from marquee.runtime import build_platform  # noqa: E402
from marquee.settings import Settings, load_settings  # noqa: E402

CLIPS = ROOT.parent / "shared" / "data" / "video_clips"
CLIP_SECONDS = 20
MAX_CLIPS = 3


def make_source(path: Path, seconds: int) -> None:
    if path.exists():
        return
    args = ["-f", "lavfi", "-i", f"testsrc2=s=1920x1080:r=30:d={seconds}"]
    args += ["-f", "lavfi", "-i", f"sine=f=440:d={seconds}"]
    args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
    args += ["-c:a", "aac", "-b:a", "192k", str(path)]
    run_ffmpeg(args, step="bench")


def single_command(source: Path, out: Path, settings: Settings) -> tuple[float, list[str]]:
    """The hand-written reference: one decode, ``split`` into the ladder, ``-f dash``."""
    info = probe(source)
    assert info.video is not None
    plan = plan_ladder(info, service.ladder_spec(settings))
    n = len(plan.renditions)
    labels = [f"[s{i}]" for i in range(n)]
    graph = [f"[0:v:0]split={n}{''.join(labels)}"]
    for i, r in enumerate(plan.renditions):
        graph.append(
            f"{labels[i]}{video_filter(info.video, r.width, r.height, plan.frame_rate)}[v{i}]"
        )
    gop = str(plan.gop_frames)
    args = ["-i", str(source), "-filter_complex", ";".join(graph)]
    for i, r in enumerate(plan.renditions):
        args += ["-map", f"[v{i}]"]
        args += [
            f"-c:v:{i}", "libx264", f"-profile:v:{i}", r.profile, f"-preset:v:{i}", r.preset,
            f"-b:v:{i}", f"{r.video_bitrate_kbps}k", f"-maxrate:v:{i}", f"{r.maxrate_kbps}k",
            f"-bufsize:v:{i}", f"{r.bufsize_kbits}k",
        ]  # fmt: skip
    args += ["-g", gop, "-keyint_min", gop, "-sc_threshold", "0"]
    args += [
        "-x264-params",
        x264_params(plan.renditions[0].preset),
        "-force_key_frames",
        f"expr:eq(mod(n,{gop}),0)",
    ]
    args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", f"{settings.media_audio_bitrate_kbps}k"]
    args += ["-ac", "2", "-ar", "48000"]
    args += ["-adaptation_sets", "id=0,streams=v id=1,streams=a"]
    args += [
        "-f", "dash", "-dash_segment_type", "mp4", "-seg_duration", f"{settings.media_segment_s:g}",
        "-use_template", "1", "-use_timeline", "1", "-hls_playlist", "1",
        str(out / "manifest.mpd"),
    ]  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    run_ffmpeg(args, step="bench")
    return time.perf_counter() - started, [
        f"{r.name} {r.width}x{r.height}" for r in plan.renditions
    ]


def run_pipeline(
    source: Path, data_dir: Path, workers: int, mode: str = "rendition", ladder: str = "fixed"
) -> tuple[float, AssetOut]:
    settings = load_settings(
        data_dir=data_dir,
        log_json=False,
        log_level="WARNING",
        media_encode_jobs=mode,
        media_ladder=ladder,
    )
    migrate.upgrade(settings.resolved_database_url)
    platform = build_platform(settings)
    platform.start(worker=True, short_threads=1, long_threads=workers)
    try:
        started = time.perf_counter()
        asset_id = service.new_asset_id()
        key = f"{service.source_prefix(asset_id)}source{source.suffix}"
        platform.storage.upload_from(str(source), key)
        with platform.db.transaction() as session:
            service.start_ingest(
                session,
                storage=platform.storage,
                source_key=key,
                title_hint=source.stem,
                asset_id=asset_id,
            )
        while True:
            with platform.db.sessions() as session:
                asset = service.get_asset(session, asset_id=asset_id)
            if asset.status in ("ready", "failed"):
                break
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
    finally:
        platform.stop()
    if asset.status != "ready":
        raise SystemExit(f"pipeline failed at {asset.failed_step}: {asset.error}")
    return elapsed, asset


def print_steps(asset: AssetOut) -> None:
    for step in asset.steps:
        print(f"    {step.name:<22} {step.duration_s or 0:7.1f} s  (attempts {step.attempts})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the clips")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=1, help="media worker threads")
    parser.add_argument("--work", type=Path, help="keep the generated source here")
    parser.add_argument("--clips", type=Path, default=CLIPS)
    parser.add_argument(
        "--modes", default="rendition,ladder", help="MARQUEE_MEDIA_ENCODE_JOBS values to run"
    )
    parser.add_argument(
        "--ladders", default="fixed,per-title", help="MARQUEE_MEDIA_LADDER values to run"
    )
    args = parser.parse_args()
    settings = load_settings()
    work = args.work or Path(tempfile.mkdtemp(prefix="marquee-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"cores: {os.cpu_count()}, preset: {settings.media_preset}, "
        f"ffmpeg threads per job: {settings.media_threads}, workers: {args.workers}"
    )
    source = work / f"source-1080p-{args.seconds}s.mp4"
    make_source(source, args.seconds)
    try:
        single_s, ladder = single_command(source, work / "single", settings)
        print(f"ladder: {', '.join(ladder)}")
        print(f"single ffmpeg command (decode once, split, -f dash): {single_s:7.1f} s")
        print(f"realtime factor of the single command: {args.seconds / single_s:.2f}x")
        runs = [(m, ladder) for ladder in args.ladders.split(",") for m in args.modes.split(",")]
        for mode, ladder in runs:
            data_dir = work / f"var-{mode}-{ladder}"
            pipeline_s, asset = run_pipeline(source, data_dir, args.workers, mode, ladder)
            print(
                f"whole pipeline, {ladder} ladder, encode jobs per {mode} (probe, QC, encodes,"
                f" VMAF, package+CENC, thumbnails): {pipeline_s:7.1f} s"
            )
            if asset.per_title_ladder:
                chosen = asset.per_title_ladder
                print(
                    f"  per-title: {chosen['method']} {chosen['reason'] or ''}"
                    f" probes {len(chosen['probes'])}, {chosen['cpu_s']} s of CPU"
                )
            print(f"  ratio pipeline / single command: {pipeline_s / single_s:.2f}")
            print(f"  realtime factor: {args.seconds / pipeline_s:.2f}x")
            print("  steps:")
            print_steps(asset)
            for r in asset.renditions:
                print(
                    f"    {r.name:<6} {r.width}x{r.height} {r.bitrate_kbps:6d} kbit/s"
                    f"  VMAF {r.vmaf}"
                )
        if not args.quick:
            clips(args.clips, work, args.workers)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


def clips(folder: Path, work: Path, workers: int) -> None:
    if not folder.is_dir():
        print(f"no clips at {folder}: skipped")
        return
    for clip in sorted(folder.glob("*.mp4"))[:MAX_CLIPS]:
        cut = work / f"clip-{clip.stem}.mp4"
        run_ffmpeg(["-i", str(clip), "-t", str(CLIP_SECONDS), "-c", "copy", str(cut)], step="bench")
        seconds = probe(cut).duration_s
        elapsed, asset = run_pipeline(cut, work / f"var-{clip.stem}", workers)
        scores = ", ".join(f"{r.name} {r.vmaf}" for r in asset.renditions)
        print(
            f"clip {clip.name}: {seconds:.1f} s in {elapsed:.1f} s "
            f"(realtime {seconds / elapsed:.2f}x); VMAF {scores}"
        )


if __name__ == "__main__":
    main()
