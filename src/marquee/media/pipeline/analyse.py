"""``media.analyse``: probe the source, QC it (and the ``--audio`` files), plan the ladder
and the chunks, convert the subtitles, store the plan and fan out the encode jobs (or, in ladder
mode, hand the rest of QC over to the single-pass encode)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from marquee.kit.db import Database, utcnow
from marquee.kit.queue import JobContext, enqueue, job
from marquee.kit.storage import ObjectNotFound, ObjectStore
from marquee.media import repository as repo
from marquee.media.encode import Chunk, plan_chunks
from marquee.media.ffmpeg import MediaError
from marquee.media.ladder import LadderPlan, plan_ladder, with_av1
from marquee.media.models import ACTIVE_STATUSES, Asset
from marquee.media.per_title import PerTitleLadder, plan_per_title
from marquee.media.pipeline.plan import AudioSpec, chunk_step, source_audio, work_key
from marquee.media.pipeline.runner import (
    LONG_JOB_S,
    After,
    InputRejected,
    StepRun,
    complete_step,
    error_reason,
    handle_failure,
    job_settings,
    job_storage,
    source_path,
    start_step,
    upload,
    workspace,
)
from marquee.media.pipeline.subtitles import convert_subtitles
from marquee.media.probe import SourceInfo, probe
from marquee.media.qc import QCReport, probe_report, run_qc
from marquee.media.service import ladder_spec, per_title, qc_limits
from marquee.settings import Settings

ANALYSE_RETRIES = 2


@job("media.analyse", queue="long", max_retries=ANALYSE_RETRIES, time_limit_s=LONG_JOB_S)
def analyse(ctx: JobContext, asset_id: str) -> None:
    """Probe and QC the source (and extra inputs), plan the ladder, enqueue the encodes."""
    db: Database = ctx.services.db
    with db.sessions() as session:
        asset = session.get(Asset, asset_id)
        if asset is None or asset.status not in ACTIVE_STATUSES:
            return
        if asset.ladder is not None:
            return  # analysed already: the encodes were enqueued with the ladder
        inputs = (asset.source_key, list(asset.audio_inputs), list(asset.subtitle_inputs))
    run = StepRun(ctx, asset_id, "probe")
    try:
        start_step(run)  # may have succeeded in an earlier attempt: probing again is cheap
        with workspace(job_settings(ctx)) as tmp:
            _analyse(ctx, run, tmp, *inputs)
    except Exception as exc:
        handle_failure(ctx, run, exc, ANALYSE_RETRIES)


def _analyse(
    ctx: JobContext,
    run: StepRun,
    tmp: Path,
    source_key: str,
    audio_inputs: list[dict[str, Any]],
    subtitle_inputs: list[dict[str, Any]],
) -> None:
    settings, storage = job_settings(ctx), job_storage(ctx)
    asset_id = run.asset_id
    source = source_path(storage, source_key, tmp, run)
    try:
        info = probe(source)
    except MediaError as exc:
        reason = exc.reason.replace(f"'{source}'", source_key).replace(f"{source.name}: ", "")
        raise InputRejected(f"{source_key}: {reason}") from exc
    run.log(_describe(info))
    with run.db.transaction() as session:
        repo.finish_step(
            session, asset_id, "probe", log=run.log_text, result=None, started_at=run.started_at
        )
        asset = session.get(Asset, asset_id)
        assert asset is not None
        asset.probe = info.model_dump(mode="json")
        asset.duration_s = info.duration_s

    run.name, run.lines, run.started_at = "qc", [], utcnow()
    start_step(run)
    limits = qc_limits(settings)
    reject_unless_passed(run, probe_report(info, limits))
    plan, per_title = _plan(settings, run, source, info, tmp)
    if settings.media_av1:
        fixed = plan_ladder(info, ladder_spec(settings))
        plan = with_av1(plan, settings.media_av1_preset, fixed=fixed)
    chunks = plan_chunks(info, plan, settings.media_chunk_s)
    if len(chunks) < 2:
        chunks = []
    single_pass = settings.media_encode_jobs == "ladder" and not chunks
    if single_pass:
        report = probe_report(info, limits)  # the rest of QC runs on the encode's decode
    else:
        report = run_qc(
            source,
            info,
            limits,
            threads=settings.media_threads,
            on_progress=run.scaled(0, 0.8, "decoding the source"),
        )
        run.log(f"source: passed={report.passed} warnings={len(report.warnings)}")
        reject_unless_passed(run, report)
    qc = report.model_dump(mode="json")
    audio = source_audio(info, report.loudness, source_key)
    audio += _extra_audio(settings, storage, audio_inputs, tmp, run, qc, first_k=len(audio))
    subtitles = convert_subtitles(storage, info, source, subtitle_inputs, tmp, run, qc)
    run.log(
        f"ladder: {', '.join(f'{r.name} {r.width}x{r.height}' for r in plan.renditions)}"
        f" at {plan.frame_rate} fps, GOP {plan.gop_frames}"
        + (f", {len(chunks)} chunks per rendition" if chunks else "")
    )
    for sub in subtitles:
        upload(storage, tmp / sub["file"], work_key(asset_id, sub["file"]))

    def fan_out(session: Session, ctx: JobContext, asset_id: str, _: Any) -> None:
        asset = session.get(Asset, asset_id)
        assert asset is not None
        asset.ladder = {
            "plan": plan.model_dump(mode="json"),
            "audio": [vars(a) for a in audio],
            "subtitles": subtitles,
            "single_pass": single_pass,
            **({"per_title": per_title.model_dump(mode="json")} if per_title else {}),
        }
        asset.chunks = [c.model_dump(mode="json") for c in chunks]
        asset.audio_languages = [a.language for a in audio]
        asset.subtitle_languages = [s["language"] for s in subtitles]
        _store_qc(session, asset_id, qc)
        _fan_out(session, asset_id, plan, chunks, audio, single_pass=single_pass)

    if single_pass:
        _hand_over_to_single_pass(run, fan_out)
    else:
        complete_step(ctx, run, {"passed": True, "warnings": qc["warnings"]}, fan_out)


def _plan(
    settings: Settings, run: StepRun, source: Path, info: SourceInfo, tmp: Path
) -> tuple[LadderPlan, PerTitleLadder | None]:
    """The ladder: the fixed one, or per title from probe encodes (logged with their cost)."""
    spec = ladder_spec(settings)
    try:
        if not per_title(settings):
            return plan_ladder(info, spec), None
        run.log("per-title ladder: probe encodes")
        plan, chosen = plan_per_title(
            source,
            info,
            spec,
            tmp,
            threads=settings.media_threads,
            on_progress=run.scaled(0, 0.5, "probe encodes for the per-title ladder"),
        )
    except MediaError as exc:
        if exc.step == "ladder":
            raise InputRejected(exc.reason) from exc
        raise
    if chosen.reason:
        run.log(f"per-title ladder: the fixed ladder instead: {chosen.reason}")
    if chosen.probes:
        run.log(
            f"per-title ladder: {len(chosen.probes)} probe encodes of {chosen.sample_s} s,"
            f" {chosen.cpu_s} s of CPU ({chosen.wall_s} s)"
        )
    return plan, chosen


def reject_unless_passed(run: StepRun, report: QCReport) -> None:
    """A source that fails QC: store the report and reject the input (no retry)."""
    if not report.passed:
        with run.db.transaction() as session:
            _store_qc(session, run.asset_id, report.model_dump(mode="json"))
        raise InputRejected("; ".join(report.problems))


def _hand_over_to_single_pass(run: StepRun, fan_out: After) -> None:
    """Ladder mode: enqueue the encode, which finishes the ``qc`` step (still running) from
    its own decode. Under the asset's lock, once (a redelivered analyse finds the ladder)."""
    with run.db.transaction() as session:
        if not repo.lock_asset(session, run.asset_id):
            return
        asset = session.get(Asset, run.asset_id)
        if asset is not None and asset.ladder is None:
            fan_out(session, run.ctx, run.asset_id, None)
            message = "waiting for the encode's decode"
            repo.record_progress(session, run.asset_id, run.name, 0.1, message, run.log_text)


def _store_qc(session: Session, asset_id: str, qc: dict[str, Any]) -> None:
    asset = session.get(Asset, asset_id)
    assert asset is not None
    asset.qc = qc


def _fan_out(
    session: Session,
    asset_id: str,
    plan: LadderPlan,
    chunks: list[Chunk],
    audio: list[AudioSpec],
    *,
    single_pass: bool = False,
) -> None:
    """Create the encode steps and enqueue their jobs. In ladder mode one job does every
    rendition and the source's own audio tracks (they need the loudness its decode measures);
    only ``--audio`` files get jobs of their own."""
    steps: list[tuple[str, int]] = []
    jobs: list[tuple[str, str, dict[str, Any]]] = []
    position = 10
    for rendition in plan.renditions:
        name = f"encode:{rendition.name}"
        for chunk in chunks:
            step = chunk_step(rendition.name, chunk.index)
            steps.append((step, position))
            jobs.append(
                (step, "media.encode_chunk", {"rendition": rendition.name, "chunk": chunk.index})
            )
            position += 1
        if not chunks and not single_pass:
            jobs.append((name, "media.encode_rendition", {"rendition": rendition.name}))
        steps.append((name, position))
        position += 1
    for track in audio:
        if track.k > 0 or chunks:
            steps.append((track.step, position))
            if not (single_pass and track.from_source):
                jobs.append((track.step, "media.encode_audio", {"track": track.k}))
            position += 1
    repo.add_steps(session, asset_id, steps)
    if single_pass:
        own_jobs = {step for step, _, _ in jobs}
        names = [name for name, _ in steps if name not in own_jobs]
        if all([repo.queue_step(session, asset_id, n) for n in names]):
            enqueue(session, "media.encode_ladder", asset_id=asset_id)
    for step, name, kwargs in jobs:
        if repo.queue_step(session, asset_id, step):
            enqueue(session, name, asset_id=asset_id, **kwargs)


def _describe(info: SourceInfo) -> str:
    parts = [f"{info.container}, {info.duration_s:.2f} s"]
    if info.video is not None:
        v = info.video
        parts.append(f"video {v.codec} {v.width}x{v.height} {v.fps:.3f} fps")
    parts += [f"audio {a.codec} {a.channels} ch {a.language or 'und'}" for a in info.audio]
    parts += [f"subtitles {s.codec} {s.language or 'und'}" for s in info.subtitles]
    return "; ".join(parts)


def _extra_audio(
    settings: Settings,
    storage: ObjectStore,
    inputs: list[dict[str, Any]],
    tmp: Path,
    run: StepRun,
    qc: dict[str, Any],
    *,
    first_k: int,
) -> list[AudioSpec]:
    """Check each ``--audio`` file: it must hold audio that decodes; measure its loudness."""
    specs = []
    for n, item in enumerate(inputs):
        language, key = item["language"], item["key"]
        path = tmp / f"audio-input-{n}{Path(key).suffix}"
        try:
            storage.download_to(key, str(path))
            info = probe(path)
        except (MediaError, ObjectNotFound) as exc:
            raise InputRejected(f"audio {language}: {error_reason(exc)}") from exc
        if not info.audio:
            raise InputRejected(f"audio {language}: the file has no audio stream")
        report = run_qc(path, info, qc_limits(settings), threads=settings.media_threads)
        problems = [
            p
            for p in report.problems
            if p != "no video stream" and not p.startswith(("duration", "resolution", "frame"))
        ]
        if problems:
            raise InputRejected(f"audio {language}: {'; '.join(problems)}")
        qc["warnings"] += [f"audio {language}: {w}" for w in report.warnings]
        loudness = report.loudness[0].model_dump(mode="json") if report.loudness else None
        qc.setdefault("extra_audio", []).append({"language": language, "loudness": loudness})
        specs.append(
            AudioSpec(k=first_k + n, language=language, key=key, stream=0, loudness=loudness)
        )
        run.log(f"audio {language}: ok")
        path.unlink()
    return specs
