"""The encode jobs: ``media.encode_rendition`` (one whole rendition), ``media.encode_ladder``
(every rendition from one decode, which also runs QC and makes the thumbnails),
``media.encode_chunk`` and ``media.join_rendition`` (chunked encodes), ``media.encode_audio``
(one audio track alone), their VMAF measures, and the hand-over that queues the joins and the
packaging once the encodes they wait for are done."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from marquee.kit.db import utcnow
from marquee.kit.queue import JobContext, PermanentJobError, enqueue, job
from marquee.media import repository as repo
from marquee.media.encode import (
    EncodeResult,
    encode_audio,
    encode_chunk,
    encode_rendition,
    join_chunks,
)
from marquee.media.ladder import Rendition
from marquee.media.models import STEP_FAILED, STEP_RUNNING, STEP_SUCCEEDED, Asset
from marquee.media.pipeline.analyse import reject_unless_passed
from marquee.media.pipeline.plan import (
    Plan,
    chunk_name,
    chunk_step,
    load_plan,
    read_plan,
    source_audio,
    video_name,
    work_key,
)
from marquee.media.pipeline.runner import (
    LONG_JOB_S,
    StepRun,
    complete_step,
    download,
    handle_failure,
    job_settings,
    job_storage,
    run_step,
    source_path,
    start_step,
    upload,
    workspace,
)
from marquee.media.probe import probe
from marquee.media.qc import Loudness, QCReport
from marquee.media.service import qc_limits
from marquee.media.single_pass import SinglePass, encode_single_pass, vmaf_frames, vmaf_gop_every
from marquee.media.vmaf import measure_vmaf, measure_vmaf_spread
from marquee.settings import Settings

ENCODE_RETRIES = 3


def _advance(session: Session, ctx: JobContext, asset_id: str, _: Any) -> None:
    """After an encode step: queue each rendition's join once its chunks (and the audio) are
    done, and the packaging once every encode is done. Runs under the asset's row lock."""
    steps = {s.name: s.status for s in repo.steps(session, asset_id, lock=True)}
    plan = read_plan(session, asset_id)
    if plan.chunks:
        audio_done = all(steps.get(a.step) == STEP_SUCCEEDED for a in plan.audio if a.k == 0)
        for rendition in plan.ladder.renditions:
            chunks_done = all(
                steps.get(chunk_step(rendition.name, c.index)) == STEP_SUCCEEDED
                for c in plan.chunks
            )
            name = f"encode:{rendition.name}"
            if chunks_done and audio_done and repo.queue_step(session, asset_id, name):
                enqueue(session, "media.join_rendition", asset_id=asset_id, rendition=name[7:])
                steps[name] = "queued"
    encodes = [status for name, status in steps.items() if name.startswith("encode:")]
    if all(s == STEP_SUCCEEDED for s in encodes) and repo.queue_step(session, asset_id, "package"):
        enqueue(session, "media.package", asset_id=asset_id)


def _rendition_result(
    rendition: Rendition, encoded: EncodeResult, vmaf: float | None
) -> dict[str, Any]:
    video = probe(Path(encoded.path)).video
    bit_rate = (video.bit_rate if video is not None else None) or encoded.bit_rate or 0
    return {
        "name": rendition.name,
        "height": encoded.height,
        "width": encoded.width,
        #: The video stream's measured rate (audio is packaged as its own adaptation set).
        "bitrate_kbps": round(bit_rate / 1000),
        "target_kbps": rendition.video_bitrate_kbps,
        "vmaf": None if vmaf is None else round(vmaf, 2),
        "frames": encoded.frames,
        "duration_s": encoded.duration_s,
    }


def _measure(ctx: JobContext, run: StepRun, out: Path, source: Path, plan: Plan) -> float:
    settings = job_settings(ctx)
    run.progress(0.85, "measuring VMAF")
    score = measure_vmaf(
        out,
        source,
        plan.info,
        plan.ladder,
        subsample=settings.media_vmaf_subsample,
        threads=settings.media_threads,
    )
    run.log(f"VMAF {score.mean:.2f} (min {score.min:.2f}, {score.frames_scored} frames)")
    return score.mean


@job("media.encode_rendition", queue="long", max_retries=ENCODE_RETRIES, time_limit_s=LONG_JOB_S)
def encode_rendition_job(ctx: JobContext, asset_id: str, rendition: str) -> None:
    """Encode one whole rendition (video + the first audio track), measure its VMAF."""

    def body(run: StepRun, tmp: Path) -> dict[str, Any]:
        settings, storage = job_settings(ctx), job_storage(ctx)
        plan = load_plan(ctx, asset_id)
        target = plan.rendition(rendition)
        source = source_path(storage, plan.source_key, tmp, run)
        out = tmp / video_name(rendition)
        encoded = encode_rendition(
            source,
            plan.info,
            plan.ladder,
            target,
            out,
            loudness=plan.loudness,
            threads=settings.media_threads,
            on_progress=run.scaled(0.0, 0.8, "encoding"),
        )
        run.log(f"encoded {encoded.width}x{encoded.height}, {encoded.frames} frames")
        upload(storage, out, work_key(asset_id, video_name(rendition)))
        return _rendition_result(target, encoded, _measure(ctx, run, out, source, plan))

    run_step(ctx, asset_id, f"encode:{rendition}", body, max_retries=ENCODE_RETRIES, after=_advance)


@job("media.encode_ladder", queue="long", max_retries=ENCODE_RETRIES, time_limit_s=LONG_JOB_S)
def encode_ladder_job(ctx: JobContext, asset_id: str) -> None:
    """Ladder mode: every rendition from one decode of the source, which also runs QC and
    makes the thumbnails (``single_pass``); then the source's audio, normalised with the
    loudness that decode measured, and VMAF on a few spread frames. Each rendition keeps its
    own step (``encode:720p``…); the ``qc`` step, started by the analysis, is finished here."""
    with ctx.services.db.sessions() as session:
        plan = read_plan(session, asset_id)
        qc_step = next(s for s in repo.steps(session, asset_id) if s.name == "qc")
    names = [f"encode:{r.name}" for r in plan.ladder.renditions]
    names += [a.step for a in plan.audio if a.k > 0 and a.from_source]
    pending = [run for run in (StepRun(ctx, asset_id, name) for name in names) if start_step(run)]
    if not pending:
        return
    started = qc_step.started_at or utcnow()
    qc = StepRun(ctx, asset_id, "qc", (qc_step.log or "").splitlines(), started)
    qc_done = qc_step.status == STEP_SUCCEEDED
    if not qc_done and qc_step.status != STEP_RUNNING:
        start_step(qc)
    lead = pending[0] if qc_done else qc
    try:
        with workspace(job_settings(ctx)) as tmp:
            source = source_path(job_storage(ctx), plan.source_key, tmp, pending[0])
            done = _single_pass(ctx, [qc, *pending], plan, source, tmp)
            if not done.qc.passed:
                _not_encoded(pending, "not encoded: the source failed QC")
            reject_unless_passed(qc, done.qc)
            if not qc_done:
                _finish_qc(qc, done.qc)
            lead = pending[0]
            results = _after_single_pass(ctx, lead, plan, source, tmp, done)
        for run in pending:
            run.log(f"encoded with the whole ladder; {results[run.name]}")
            complete_step(ctx, run, results[run.name], _advance)
    except Exception as exc:
        handle_failure(ctx, lead, exc, ENCODE_RETRIES)


def _not_encoded(runs: list[StepRun], reason: str) -> None:
    """Steps that will not run after all (the asset fails at another step): not left running."""
    with runs[0].db.transaction() as session:
        for run in runs:
            repo.mark_step(
                session, run.asset_id, run.name, STEP_FAILED, error=reason, log=run.log_text
            )


def _single_pass(
    ctx: JobContext, runs: list[StepRun], plan: Plan, source: Path, tmp: Path
) -> SinglePass:
    settings = job_settings(ctx)

    def progress(fraction: float) -> None:
        for run in runs:
            run.progress(fraction * 0.8, "encoding the whole ladder (one decode)")

    pass_dir = tmp / "pass"
    pass_dir.mkdir()
    return encode_single_pass(
        source,
        plan.info,
        plan.ladder,
        [pass_dir / video_name(r.name) for r in plan.ladder.renditions],
        pass_dir,
        limits=qc_limits(settings),
        trickplay_interval_s=settings.media_trickplay_interval_s,
        vmaf_every=_vmaf_every(settings, plan),
        threads=settings.media_threads,
        on_progress=progress,
    )


def _vmaf_every(settings: Settings, plan: Plan) -> int:
    return vmaf_gop_every(
        plan.info, plan.ladder, settings.media_vmaf_subsample, settings.media_vmaf_keyframes
    )


def _finish_qc(run: StepRun, report: QCReport) -> None:
    """Store the report of the encode's decode with what the analysis found (``--audio``
    files, subtitles), as the analysis does in rendition mode, and finish the step."""
    qc = report.model_dump(mode="json")
    run.log(f"source: passed={report.passed} warnings={len(report.warnings)} (encode's decode)")
    with run.db.transaction() as session:
        asset = session.get(Asset, run.asset_id)
        assert asset is not None
        found = asset.qc or {}
        qc["warnings"] += found.get("warnings", [])
        if "extra_audio" in found:
            qc["extra_audio"] = found["extra_audio"]
        asset.qc = qc
        repo.finish_step(
            session,
            run.asset_id,
            run.name,
            log=run.log_text,
            result={"passed": True, "warnings": qc["warnings"]},
            started_at=run.started_at,
        )


def _after_single_pass(
    ctx: JobContext, run: StepRun, plan: Plan, source: Path, tmp: Path, done: SinglePass
) -> dict[str, dict[str, Any]]:
    """Encode the source's audio while VMAF is scored (single-threaded next to two threads:
    together they fill the cores), upload renditions, audio and thumbnails; the results of
    every step, by name."""
    settings, storage, asset_id = job_settings(ctx), job_storage(ctx), run.asset_id
    videos = [Path(e.path) for e in done.encodes]
    run.log("one decode: ladder encoded, QC passed, thumbnails made")
    run.progress(0.8, "encoding the audio, measuring VMAF")
    with ThreadPoolExecutor(max_workers=1) as pool:
        audio = pool.submit(_encode_source_audio, ctx, asset_id, plan, source, tmp, done)
        every, offset = vmaf_frames(plan.ladder, _vmaf_every(settings, plan))
        scores = measure_vmaf_spread(
            videos,
            Path(done.reference_frames),
            done.vmaf_size,
            every=every,
            offset=offset,
            threads=settings.media_threads,
        )
        first, results = audio.result()
    run.log(f"audio encoded with the measured loudness; VMAF on {scores[0].frames_scored} frames")
    encodes = [first, *done.encodes[1:]]
    for rendition, encoded, score in zip(plan.ladder.renditions, encodes, scores, strict=True):
        upload(storage, Path(encoded.path), work_key(asset_id, video_name(rendition.name)))
        results[f"encode:{rendition.name}"] = _rendition_result(rendition, encoded, score.mean)
    assert done.poster is not None
    for path in sorted(Path(done.poster.path).parent.iterdir()):
        upload(storage, path, work_key(asset_id, f"thumbs/{path.name}"))
    return results


def _encode_source_audio(
    ctx: JobContext, asset_id: str, plan: Plan, source: Path, tmp: Path, done: SinglePass
) -> tuple[EncodeResult, dict[str, dict[str, Any]]]:
    """The source's audio tracks, normalised with the loudness the pass measured: track 0
    muxed into the first rendition (returned), the others uploaded (their step results)."""
    settings = job_settings(ctx)
    first, results = done.encodes[0], {}
    for spec in source_audio(plan.info, done.qc.loudness, plan.source_key):
        out = tmp / spec.work_name
        loudness = Loudness.model_validate(spec.loudness) if spec.loudness else None
        bitrate = settings.media_audio_bitrate_kbps
        encoded = encode_audio(source, plan.info, spec.stream, bitrate, out, loudness=loudness)
        if spec.k == 0:
            with_audio = tmp / video_name(plan.ladder.renditions[0].name)
            first = join_chunks([Path(first.path)], with_audio, audio=out)
        else:
            upload(job_storage(ctx), out, work_key(asset_id, spec.work_name))
            results[spec.step] = {"language": spec.language, "duration_s": encoded.duration_s}
    return first, results


@job("media.encode_chunk", queue="long", max_retries=ENCODE_RETRIES, time_limit_s=LONG_JOB_S)
def encode_chunk_job(ctx: JobContext, asset_id: str, rendition: str, chunk: int) -> None:
    """Encode the video of one GOP-aligned chunk of one rendition."""

    def body(run: StepRun, tmp: Path) -> dict[str, Any]:
        settings, storage = job_settings(ctx), job_storage(ctx)
        plan = load_plan(ctx, asset_id)
        part = next((c for c in plan.chunks if c.index == chunk), None)
        if part is None:
            raise PermanentJobError(f"the asset has no chunk {chunk}")
        source = source_path(storage, plan.source_key, tmp, run)
        out = tmp / "chunk.mp4"
        encoded = encode_chunk(
            source,
            plan.info,
            plan.ladder,
            plan.rendition(rendition),
            part,
            out,
            threads=settings.media_threads,
            on_progress=run.scaled(0.0, 0.95, "encoding"),
        )
        run.log(f"chunk {chunk}: {encoded.frames} frames from {part.start_s:.3f} s")
        upload(storage, out, work_key(asset_id, chunk_name(rendition, chunk)))
        return {"frames": encoded.frames, "duration_s": encoded.duration_s}

    run_step(
        ctx,
        asset_id,
        chunk_step(rendition, chunk),
        body,
        max_retries=ENCODE_RETRIES,
        after=_advance,
    )


@job("media.join_rendition", queue="long", max_retries=ENCODE_RETRIES, time_limit_s=LONG_JOB_S)
def join_rendition_job(ctx: JobContext, asset_id: str, rendition: str) -> None:
    """Join a rendition's chunks losslessly with the whole-programme audio; measure VMAF."""

    def body(run: StepRun, tmp: Path) -> dict[str, Any]:
        storage = job_storage(ctx)
        plan = load_plan(ctx, asset_id)
        target = plan.rendition(rendition)
        parts = [
            download(
                storage, work_key(asset_id, chunk_name(rendition, c.index)), tmp, f"{c.index}.mp4"
            )
            for c in plan.chunks
        ]
        audio = None
        if plan.info.audio:
            audio = download(storage, work_key(asset_id, "audio-0.mp4"), tmp)
        out = tmp / video_name(rendition)
        run.progress(0.1, "joining chunks")
        encoded = join_chunks(parts, out, audio=audio)
        run.log(f"joined {len(parts)} chunks: {encoded.frames} frames")
        upload(storage, out, work_key(asset_id, video_name(rendition)))
        for part in parts:
            part.unlink()
        source = source_path(storage, plan.source_key, tmp, run)
        return _rendition_result(target, encoded, _measure(ctx, run, out, source, plan))

    run_step(ctx, asset_id, f"encode:{rendition}", body, max_retries=ENCODE_RETRIES, after=_advance)


@job("media.encode_audio", queue="long", max_retries=ENCODE_RETRIES, time_limit_s=LONG_JOB_S)
def encode_audio_job(ctx: JobContext, asset_id: str, track: int) -> None:
    """Encode one audio track alone (extra languages; the main track when chunking)."""

    def body(run: StepRun, tmp: Path) -> dict[str, Any]:
        settings, storage = job_settings(ctx), job_storage(ctx)
        plan = load_plan(ctx, asset_id)
        spec = next((a for a in plan.audio if a.k == track), None)
        if spec is None:
            raise PermanentJobError(f"the asset has no audio track {track}")
        path = source_path(storage, spec.key, tmp, run)
        info = plan.info if spec.key == plan.source_key else probe(path)
        out = tmp / spec.work_name
        encoded = encode_audio(
            path,
            info,
            spec.stream,
            settings.media_audio_bitrate_kbps,
            out,
            loudness=Loudness.model_validate(spec.loudness) if spec.loudness else None,
            on_progress=run.scaled(0.0, 0.95, "encoding"),
        )
        run.log(f"audio {spec.language}: {encoded.duration_s:.2f} s")
        upload(storage, out, work_key(asset_id, spec.work_name))
        return {"language": spec.language, "duration_s": encoded.duration_s}

    step = f"encode:audio:{track}"
    run_step(ctx, asset_id, step, body, max_retries=ENCODE_RETRIES, after=_advance)
