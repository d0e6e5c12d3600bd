"""The ingest pipeline as queued jobs over the object store (docs/media.md, "Pipeline").

``media.analyse`` (probe + QC + ladder) → one ``media.encode_rendition`` per rendition, or
``media.encode_chunk`` per chunk and rendition then ``media.join_rendition`` → extra
``media.encode_audio`` tracks → ``media.package`` (package + encrypt, thumbnails, publish).

Workers share no filesystem: every job downloads its inputs from the object store into a
temporary directory (always removed) and uploads its outputs under ``work/{asset_id}/`` or,
when packaging, ``assets/{asset_id}/``. Jobs are at least once, so each one is idempotent:
object keys are deterministic and overwritten, a step that already succeeded is skipped, and
every hand-over is a conditional update under the asset's row lock, so exactly one job
enqueues the next stage.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import posixpath
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from marquee.kit.db import Database, utcnow
from marquee.kit.events import publish
from marquee.kit.queue import JobContext, PermanentJobError, enqueue, job
from marquee.kit.storage import ObjectNotFound, ObjectStore
from marquee.media import repository as repo
from marquee.media.encode import (
    Chunk,
    EncodeResult,
    encode_audio,
    encode_chunk,
    encode_rendition,
    join_chunks,
    plan_chunks,
)
from marquee.media.ffmpeg import MediaError, run_ffmpeg
from marquee.media.keystore import key_store
from marquee.media.ladder import LadderPlan, Rendition, plan_ladder
from marquee.media.models import (
    ACTIVE_STATUSES,
    READY,
    STEP_FAILED,
    STEP_RETRYING,
    STEP_RUNNING,
    STEP_SUCCEEDED,
    Asset,
)
from marquee.media.package import HLS_MASTER_NAME, MPD_NAME, AudioInput, SubtitleInput, package
from marquee.media.probe import SourceInfo, probe
from marquee.media.qc import Loudness, QCReport, probe_report, run_qc
from marquee.media.service import (
    asset_prefix,
    ladder_spec,
    qc_limits,
    ready_payload,
    work_prefix,
)
from marquee.media.single_pass import SinglePass, encode_single_pass, vmaf_keyframe_every
from marquee.media.thumbnails import POSTER_NAME, VTT_NAME, choose_poster, make_trickplay
from marquee.media.vmaf import measure_vmaf, measure_vmaf_keyframes
from marquee.settings import Settings

log = logging.getLogger(__name__)

ANALYSE_RETRIES = 2
ENCODE_RETRIES = 3
PACKAGE_RETRIES = 3
#: Generous: a job's lease is renewed while it runs; this only stops a wedged ffmpeg.
LONG_JOB_S = 6 * 3600
PROGRESS_EVERY_S = 0.5
#: Subtitle codecs that are pictures, which WebVTT cannot carry.
BITMAP_SUBTITLES = frozenset({"hdmv_pgs_subtitle", "dvd_subtitle", "dvb_subtitle", "xsub"})
CONTENT_TYPES = {
    ".mpd": "application/dash+xml",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".vtt": "text/vtt",
    ".jpg": "image/jpeg",
}


class InputRejected(Exception):
    """The ingest's input is unusable (not media, corrupt, out of bounds): no retry."""


# --- plumbing shared by the jobs ------------------------------------------------------------


@dataclass
class StepRun:
    """One attempt at one step: progress (job run + step row), a log tail, timing."""

    ctx: JobContext
    asset_id: str
    name: str
    lines: list[str] = field(default_factory=list)
    started_at: Any = field(default_factory=utcnow)
    _last: float = 0.0

    @property
    def db(self) -> Database:
        return self.ctx.services.db  # type: ignore[no-any-return]

    def log(self, line: str) -> None:
        self.lines.append(f"{utcnow():%H:%M:%S} {line}")
        log.info("%s %s: %s", self.asset_id, self.name, line)

    @property
    def log_text(self) -> str:
        return "\n".join(self.lines)

    def progress(self, fraction: float, message: str = "") -> None:
        fraction = max(0.0, min(1.0, fraction))
        message = message or self.name
        self.ctx.progress(fraction, f"{self.name}: {message}")
        now = time.monotonic()
        if fraction < 1 and now - self._last < PROGRESS_EVERY_S:
            return
        self._last = now
        with self.db.transaction() as session:
            repo.record_progress(
                session, self.asset_id, self.name, fraction, message, self.log_text
            )

    def scaled(self, start: float, end: float, message: str) -> Callable[[float], None]:
        """A progress callback for one part of the step (``start``..``end`` of it)."""
        return lambda f: self.progress(start + (end - start) * f, message)


def _settings(ctx: JobContext) -> Settings:
    return ctx.services.settings  # type: ignore[no-any-return]


def _storage(ctx: JobContext) -> ObjectStore:
    return ctx.services.storage  # type: ignore[no-any-return]


@contextlib.contextmanager
def workspace(settings: Settings) -> Iterator[Path]:
    """A temporary directory for one job, removed however the job ends."""
    root = settings.media_temp_dir or None
    if root is not None:
        Path(root).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="marquee-media-", dir=root) as tmp:
        yield Path(tmp)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, MediaError):
        return exc.reason
    if isinstance(exc, ObjectNotFound):
        return f"missing object {exc.args[0] if exc.args else ''}".strip()
    return str(exc) or type(exc).__name__


def _start(run: StepRun) -> bool:
    with run.db.transaction() as session:
        return repo.start_step(session, run.asset_id, run.name)


def _fail(ctx: JobContext, run: StepRun, reason: str) -> None:
    """Mark the step and the asset failed (once), publish ``media.asset_failed``, clean up."""
    run.log(f"failed: {reason}")
    with run.db.transaction() as session:
        repo.mark_step(session, run.asset_id, run.name, STEP_FAILED, error=reason, log=run.log_text)
        if repo.fail_asset(session, run.asset_id, run.name, reason):
            asset = session.get(Asset, run.asset_id)
            assert asset is not None
            publish(
                session,
                "media.asset_failed",
                {
                    "asset_id": asset.id,
                    "title_id": asset.title_id,
                    "episode_id": asset.episode_id,
                    "step": run.name,
                    "reason": reason,
                },
            )
    _discard_outputs(_storage(ctx), run.asset_id)


def _discard_outputs(storage: ObjectStore, asset_id: str) -> None:
    storage.delete_prefix(asset_prefix(asset_id))
    storage.delete_prefix(work_prefix(asset_id))


def _handle_failure(ctx: JobContext, run: StepRun, exc: Exception, max_retries: int) -> None:
    """Bad input or the last attempt: the asset fails. Otherwise the job is retried."""
    reason = _reason(exc)
    permanent = isinstance(exc, InputRejected | PermanentJobError)
    if permanent or ctx.attempt > max_retries:
        _fail(ctx, run, reason)
        raise PermanentJobError(f"{run.name}: {reason}") from exc
    run.log(f"attempt {ctx.attempt} failed, will retry: {reason}")
    with run.db.transaction() as session:
        repo.mark_step(
            session, run.asset_id, run.name, STEP_RETRYING, error=reason, log=run.log_text
        )
    raise exc


Body = Callable[[StepRun, Path], dict[str, Any] | None]
After = Callable[[Session, JobContext, str, dict[str, Any] | None], None]


def run_step(
    ctx: JobContext,
    asset_id: str,
    name: str,
    body: Body,
    *,
    max_retries: int,
    after: After | None = None,
) -> None:
    """Run one step of an asset: skip it if done, record it, hand over to the next stage."""
    run = StepRun(ctx, asset_id, name)
    if not _start(run):
        return
    try:
        with workspace(_settings(ctx)) as tmp:
            result = body(run, tmp)
        _complete(ctx, run, result, after)
    except Exception as exc:
        _handle_failure(ctx, run, exc, max_retries)


def _complete(
    ctx: JobContext, run: StepRun, result: dict[str, Any] | None, after: After | None
) -> None:
    with run.db.transaction() as session:
        if not repo.lock_asset(session, run.asset_id):
            stopped = True
        else:
            stopped = False
            done = repo.finish_step(
                session,
                run.asset_id,
                run.name,
                log=run.log_text,
                result=result,
                started_at=run.started_at,
            )
            if done and after is not None:
                after(session, ctx, run.asset_id, result)
    if stopped:
        # The asset failed while this step ran: whatever it uploaded must go too.
        _discard_outputs(_storage(ctx), run.asset_id)
    run.ctx.progress(1.0, f"{run.name}: done")


# --- what the jobs know about an asset ------------------------------------------------------


@dataclass(frozen=True)
class AudioSpec:
    """An audio track of the output: track ``k`` (0 is the source's first)."""

    k: int
    language: str
    key: str
    stream: int
    loudness: dict[str, Any] | None
    #: A track of the source itself (not an ``--audio`` file).
    from_source: bool = False

    @property
    def step(self) -> str:
        return f"encode:audio:{self.k}"

    @property
    def work_name(self) -> str:
        return f"audio-{self.k}.mp4"


@dataclass(frozen=True)
class Plan:
    """The asset's plan as stored by ``media.analyse``."""

    info: SourceInfo
    ladder: LadderPlan
    chunks: list[Chunk]
    audio: list[AudioSpec]
    subtitles: list[dict[str, Any]]
    loudness: Loudness | None
    source_key: str
    #: Ladder mode's single pass made the thumbnails (under ``work/{id}/thumbs/``).
    single_pass: bool = False

    def rendition(self, name: str) -> Rendition:
        for rendition in self.ladder.renditions:
            if rendition.name == name:
                return rendition
        raise PermanentJobError(f"the ladder has no rendition {name!r}")

    def separate_audio(self) -> list[AudioSpec]:
        """Tracks encoded by their own job (track 0 rides in the renditions unless chunked)."""
        return [a for a in self.audio if a.k > 0 or self.chunks]


def _plan(session: Session, asset_id: str) -> Plan:
    asset = session.get(Asset, asset_id)
    if asset is None or asset.probe is None or asset.ladder is None:
        raise PermanentJobError(f"asset {asset_id} has not been analysed")
    info = SourceInfo.model_validate(asset.probe)
    qc_loudness = (asset.qc or {}).get("loudness") or []
    return Plan(
        info=info,
        ladder=LadderPlan.model_validate(asset.ladder["plan"]),
        chunks=[Chunk.model_validate(c) for c in asset.chunks or []],
        audio=[AudioSpec(**a) for a in asset.ladder["audio"]],
        subtitles=list(asset.ladder["subtitles"]),
        loudness=Loudness.model_validate(qc_loudness[0]) if qc_loudness else None,
        source_key=asset.source_key,
        single_pass=asset.ladder.get("single_pass", False),
    )


def _load_plan(ctx: JobContext, asset_id: str) -> Plan:
    with ctx.services.db.sessions() as session:
        return _plan(session, asset_id)


def _download(storage: ObjectStore, key: str, tmp: Path, name: str | None = None) -> Path:
    path = tmp / (name or posixpath.basename(key))
    storage.download_to(key, str(path))
    return path


def _upload(storage: ObjectStore, path: Path, key: str) -> None:
    content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    storage.upload_from(str(path), key, content_type=content_type)


def _work_key(asset_id: str, name: str) -> str:
    return work_prefix(asset_id) + name


def _video_name(rendition: str) -> str:
    return f"video-{rendition}.mp4"


def _chunk_name(rendition: str, index: int) -> str:
    return f"chunks/{rendition}-{index:05d}.mp4"


def _chunk_step(rendition: str, index: int) -> str:
    return f"encode:{rendition}:chunk{index}"


# --- media.analyse: probe, QC, ladder, fan out ----------------------------------------------


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
        _start(run)  # may have succeeded in an earlier attempt: probing again is cheap
        with workspace(_settings(ctx)) as tmp:
            _analyse(ctx, run, tmp, *inputs)
    except Exception as exc:
        _handle_failure(ctx, run, exc, ANALYSE_RETRIES)


def _analyse(
    ctx: JobContext,
    run: StepRun,
    tmp: Path,
    source_key: str,
    audio_inputs: list[dict[str, Any]],
    subtitle_inputs: list[dict[str, Any]],
) -> None:
    settings, storage = _settings(ctx), _storage(ctx)
    asset_id = run.asset_id
    source = _source_path(storage, source_key, tmp, run)
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
    _start(run)
    limits = qc_limits(settings)
    _reject_unless_passed(run, probe_report(info, limits))
    try:
        plan = plan_ladder(info, ladder_spec(settings))
    except MediaError as exc:
        raise InputRejected(exc.reason) from exc
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
        _reject_unless_passed(run, report)
    qc = report.model_dump(mode="json")
    audio = _source_audio(info, report.loudness, source_key)
    audio += _extra_audio(settings, storage, audio_inputs, tmp, run, qc, first_k=len(audio))
    subtitles = _subtitles(storage, info, source, subtitle_inputs, tmp, run, qc)
    run.log(
        f"ladder: {', '.join(f'{r.name} {r.width}x{r.height}' for r in plan.renditions)}"
        f" at {plan.frame_rate} fps, GOP {plan.gop_frames}"
        + (f", {len(chunks)} chunks per rendition" if chunks else "")
    )
    for sub in subtitles:
        _upload(storage, tmp / sub["file"], _work_key(asset_id, sub["file"]))

    def fan_out(session: Session, ctx: JobContext, asset_id: str, _: Any) -> None:
        asset = session.get(Asset, asset_id)
        assert asset is not None
        asset.ladder = {
            "plan": plan.model_dump(mode="json"),
            "audio": [vars(a) for a in audio],
            "subtitles": subtitles,
            "single_pass": single_pass,
        }
        asset.chunks = [c.model_dump(mode="json") for c in chunks]
        asset.audio_languages = [a.language for a in audio]
        asset.subtitle_languages = [s["language"] for s in subtitles]
        _store_qc(session, asset_id, qc)
        _fan_out(session, asset_id, plan, chunks, audio, single_pass=single_pass)

    if single_pass:
        _hand_over_to_single_pass(run, fan_out)
    else:
        _complete(ctx, run, {"passed": True, "warnings": qc["warnings"]}, fan_out)


def _reject_unless_passed(run: StepRun, report: QCReport) -> None:
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
            step = _chunk_step(rendition.name, chunk.index)
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


def _source_path(storage: ObjectStore, key: str, tmp: Path, run: StepRun | None) -> Path:
    suffix = Path(posixpath.basename(key)).suffix
    path = tmp / f"source{suffix}"
    try:
        storage.download_to(key, str(path))
    except ObjectNotFound as exc:
        raise InputRejected(f"the source {key} is not in the object store") from exc
    if run is not None:
        run.log(f"downloaded {key} ({path.stat().st_size / 1e6:.1f} MB)")
    return path


def _describe(info: SourceInfo) -> str:
    parts = [f"{info.container}, {info.duration_s:.2f} s"]
    if info.video is not None:
        v = info.video
        parts.append(f"video {v.codec} {v.width}x{v.height} {v.fps:.3f} fps")
    parts += [f"audio {a.codec} {a.channels} ch {a.language or 'und'}" for a in info.audio]
    parts += [f"subtitles {s.codec} {s.language or 'und'}" for s in info.subtitles]
    return "; ".join(parts)


def _source_audio(info: SourceInfo, loudness: list[Loudness], source_key: str) -> list[AudioSpec]:
    by_index = {m.track_index: m.model_dump(mode="json") for m in loudness}
    return [
        AudioSpec(
            k=n,
            language=track.language or "und",
            key=source_key,
            stream=n,
            loudness=by_index.get(track.index),
            from_source=True,
        )
        for n, track in enumerate(info.audio)
    ]


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
            raise InputRejected(f"audio {language}: {_reason(exc)}") from exc
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


def _subtitles(
    storage: ObjectStore,
    info: SourceInfo,
    source: Path,
    inputs: list[dict[str, Any]],
    tmp: Path,
    run: StepRun,
    qc: dict[str, Any],
) -> list[dict[str, Any]]:
    """Embedded text subtitles and ``--subtitles`` files, converted to WebVTT (checks them)."""
    found: list[dict[str, Any]] = []
    for n, track in enumerate(info.subtitles):
        language = track.language or "und"
        if track.codec in BITMAP_SUBTITLES:
            qc["warnings"].append(f"subtitle track {track.index} ({track.codec}) is a picture")
            continue
        name = f"subtitles-{len(found)}.vtt"
        try:
            _to_webvtt(source, n, tmp / name)
        except MediaError as exc:
            qc["warnings"].append(f"subtitle track {track.index} skipped: {exc.reason}")
            continue
        found.append({"language": language, "file": name})
    for n, item in enumerate(inputs):
        language, key = item["language"], item["key"]
        path = tmp / f"subtitle-input-{n}{Path(key).suffix}"
        name = f"subtitles-{len(found)}.vtt"
        try:
            storage.download_to(key, str(path))
            _to_webvtt(path, 0, tmp / name)
        except (MediaError, ObjectNotFound) as exc:
            reason = f"subtitles {language}: not a subtitle file ({_reason(exc)})"
            raise InputRejected(reason) from exc
        found.append({"language": language, "file": name})
    for sub in found:
        run.log(f"subtitles {sub['language']}: ok")
    return found


def _to_webvtt(path: Path, stream: int, out: Path) -> None:
    run_ffmpeg(
        ["-i", str(path), "-map", f"0:s:{stream}", "-c:s", "webvtt", str(out)], step="subtitles"
    )


# --- encodes --------------------------------------------------------------------------------


def _advance(session: Session, ctx: JobContext, asset_id: str, _: Any) -> None:
    """After an encode step: queue each rendition's join once its chunks (and the audio) are
    done, and the packaging once every encode is done. Runs under the asset's row lock."""
    steps = {s.name: s.status for s in repo.steps(session, asset_id, lock=True)}
    plan = _plan(session, asset_id)
    if plan.chunks:
        audio_done = all(steps.get(a.step) == STEP_SUCCEEDED for a in plan.audio if a.k == 0)
        for rendition in plan.ladder.renditions:
            chunks_done = all(
                steps.get(_chunk_step(rendition.name, c.index)) == STEP_SUCCEEDED
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
    settings = _settings(ctx)
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
        settings, storage = _settings(ctx), _storage(ctx)
        plan = _load_plan(ctx, asset_id)
        target = plan.rendition(rendition)
        source = _source_path(storage, plan.source_key, tmp, run)
        out = tmp / _video_name(rendition)
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
        _upload(storage, out, _work_key(asset_id, _video_name(rendition)))
        return _rendition_result(target, encoded, _measure(ctx, run, out, source, plan))

    run_step(ctx, asset_id, f"encode:{rendition}", body, max_retries=ENCODE_RETRIES, after=_advance)


@job("media.encode_ladder", queue="long", max_retries=ENCODE_RETRIES, time_limit_s=LONG_JOB_S)
def encode_ladder_job(ctx: JobContext, asset_id: str) -> None:
    """Ladder mode: every rendition from one decode of the source, which also runs QC and
    makes the thumbnails (``single_pass``); then the source's audio, normalised with the
    loudness that decode measured, and VMAF on keyframes. Each rendition keeps its own step
    (``encode:720p``…); the ``qc`` step, started by the analysis, is finished here."""
    with ctx.services.db.sessions() as session:
        plan = _plan(session, asset_id)
        qc_step = next(s for s in repo.steps(session, asset_id) if s.name == "qc")
    names = [f"encode:{r.name}" for r in plan.ladder.renditions]
    names += [a.step for a in plan.audio if a.k > 0 and a.from_source]
    pending = [run for run in (StepRun(ctx, asset_id, name) for name in names) if _start(run)]
    if not pending:
        return
    started = qc_step.started_at or utcnow()
    qc = StepRun(ctx, asset_id, "qc", (qc_step.log or "").splitlines(), started)
    qc_done = qc_step.status == STEP_SUCCEEDED
    if not qc_done and qc_step.status != STEP_RUNNING:
        _start(qc)
    lead = pending[0] if qc_done else qc
    try:
        with workspace(_settings(ctx)) as tmp:
            source = _source_path(_storage(ctx), plan.source_key, tmp, pending[0])
            done = _single_pass(ctx, [qc, *pending], plan, source, tmp)
            if not done.qc.passed:
                _not_encoded(pending, "not encoded: the source failed QC")
            _reject_unless_passed(qc, done.qc)
            if not qc_done:
                _finish_qc(qc, done.qc)
            lead = pending[0]
            results = _after_single_pass(ctx, lead, plan, source, tmp, done)
        for run in pending:
            run.log(f"encoded with the whole ladder; {results[run.name]}")
            _complete(ctx, run, results[run.name], _advance)
    except Exception as exc:
        _handle_failure(ctx, lead, exc, ENCODE_RETRIES)


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
    settings = _settings(ctx)

    def progress(fraction: float) -> None:
        for run in runs:
            run.progress(fraction * 0.8, "encoding the whole ladder (one decode)")

    pass_dir = tmp / "pass"
    pass_dir.mkdir()
    return encode_single_pass(
        source,
        plan.info,
        plan.ladder,
        [pass_dir / _video_name(r.name) for r in plan.ladder.renditions],
        pass_dir,
        limits=qc_limits(settings),
        trickplay_interval_s=settings.media_trickplay_interval_s,
        vmaf_every=_vmaf_every(settings, plan),
        threads=settings.media_threads,
        on_progress=progress,
    )


def _vmaf_every(settings: Settings, plan: Plan) -> int:
    return vmaf_keyframe_every(
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
    settings, storage, asset_id = _settings(ctx), _storage(ctx), run.asset_id
    videos = [Path(e.path) for e in done.encodes]
    run.log("one decode: ladder encoded, QC passed, thumbnails made")
    run.progress(0.8, "encoding the audio, measuring VMAF (keyframes)")
    with ThreadPoolExecutor(max_workers=1) as pool:
        audio = pool.submit(_encode_source_audio, ctx, asset_id, plan, source, tmp, done)
        scores = measure_vmaf_keyframes(
            videos,
            Path(done.reference_frames),
            done.vmaf_size,
            every=_vmaf_every(settings, plan),
            threads=settings.media_threads,
        )
        first, results = audio.result()
    run.log(
        f"audio encoded with the measured loudness; VMAF on {scores[0].frames_scored} keyframes"
    )
    encodes = [first, *done.encodes[1:]]
    for rendition, encoded, score in zip(plan.ladder.renditions, encodes, scores, strict=True):
        _upload(storage, Path(encoded.path), _work_key(asset_id, _video_name(rendition.name)))
        results[f"encode:{rendition.name}"] = _rendition_result(rendition, encoded, score.mean)
    assert done.poster is not None
    for path in sorted(Path(done.poster.path).parent.iterdir()):
        _upload(storage, path, _work_key(asset_id, f"thumbs/{path.name}"))
    return results


def _encode_source_audio(
    ctx: JobContext, asset_id: str, plan: Plan, source: Path, tmp: Path, done: SinglePass
) -> tuple[EncodeResult, dict[str, dict[str, Any]]]:
    """The source's audio tracks, normalised with the loudness the pass measured: track 0
    muxed into the first rendition (returned), the others uploaded (their step results)."""
    settings = _settings(ctx)
    first, results = done.encodes[0], {}
    for spec in _source_audio(plan.info, done.qc.loudness, plan.source_key):
        out = tmp / spec.work_name
        loudness = Loudness.model_validate(spec.loudness) if spec.loudness else None
        bitrate = settings.media_audio_bitrate_kbps
        encoded = encode_audio(source, plan.info, spec.stream, bitrate, out, loudness=loudness)
        if spec.k == 0:
            with_audio = tmp / _video_name(plan.ladder.renditions[0].name)
            first = join_chunks([Path(first.path)], with_audio, audio=out)
        else:
            _upload(_storage(ctx), out, _work_key(asset_id, spec.work_name))
            results[spec.step] = {"language": spec.language, "duration_s": encoded.duration_s}
    return first, results


@job("media.encode_chunk", queue="long", max_retries=ENCODE_RETRIES, time_limit_s=LONG_JOB_S)
def encode_chunk_job(ctx: JobContext, asset_id: str, rendition: str, chunk: int) -> None:
    """Encode the video of one GOP-aligned chunk of one rendition."""

    def body(run: StepRun, tmp: Path) -> dict[str, Any]:
        settings, storage = _settings(ctx), _storage(ctx)
        plan = _load_plan(ctx, asset_id)
        part = next((c for c in plan.chunks if c.index == chunk), None)
        if part is None:
            raise PermanentJobError(f"the asset has no chunk {chunk}")
        source = _source_path(storage, plan.source_key, tmp, run)
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
        _upload(storage, out, _work_key(asset_id, _chunk_name(rendition, chunk)))
        return {"frames": encoded.frames, "duration_s": encoded.duration_s}

    run_step(
        ctx,
        asset_id,
        _chunk_step(rendition, chunk),
        body,
        max_retries=ENCODE_RETRIES,
        after=_advance,
    )


@job("media.join_rendition", queue="long", max_retries=ENCODE_RETRIES, time_limit_s=LONG_JOB_S)
def join_rendition_job(ctx: JobContext, asset_id: str, rendition: str) -> None:
    """Join a rendition's chunks losslessly with the whole-programme audio; measure VMAF."""

    def body(run: StepRun, tmp: Path) -> dict[str, Any]:
        storage = _storage(ctx)
        plan = _load_plan(ctx, asset_id)
        target = plan.rendition(rendition)
        parts = [
            _download(
                storage, _work_key(asset_id, _chunk_name(rendition, c.index)), tmp, f"{c.index}.mp4"
            )
            for c in plan.chunks
        ]
        audio = None
        if plan.info.audio:
            audio = _download(storage, _work_key(asset_id, "audio-0.mp4"), tmp)
        out = tmp / _video_name(rendition)
        run.progress(0.1, "joining chunks")
        encoded = join_chunks(parts, out, audio=audio)
        run.log(f"joined {len(parts)} chunks: {encoded.frames} frames")
        _upload(storage, out, _work_key(asset_id, _video_name(rendition)))
        for part in parts:
            part.unlink()
        source = _source_path(storage, plan.source_key, tmp, run)
        return _rendition_result(target, encoded, _measure(ctx, run, out, source, plan))

    run_step(ctx, asset_id, f"encode:{rendition}", body, max_retries=ENCODE_RETRIES, after=_advance)


@job("media.encode_audio", queue="long", max_retries=ENCODE_RETRIES, time_limit_s=LONG_JOB_S)
def encode_audio_job(ctx: JobContext, asset_id: str, track: int) -> None:
    """Encode one audio track alone (extra languages; the main track when chunking)."""

    def body(run: StepRun, tmp: Path) -> dict[str, Any]:
        settings, storage = _settings(ctx), _storage(ctx)
        plan = _load_plan(ctx, asset_id)
        spec = next((a for a in plan.audio if a.k == track), None)
        if spec is None:
            raise PermanentJobError(f"the asset has no audio track {track}")
        path = _source_path(storage, spec.key, tmp, run)
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
        _upload(storage, out, _work_key(asset_id, spec.work_name))
        return {"language": spec.language, "duration_s": encoded.duration_s}

    step = f"encode:audio:{track}"
    run_step(ctx, asset_id, step, body, max_retries=ENCODE_RETRIES, after=_advance)


# --- media.package: package + encrypt, thumbnails, publish ---------------------------------


@job("media.package", queue="long", max_retries=PACKAGE_RETRIES, time_limit_s=LONG_JOB_S)
def package_job(ctx: JobContext, asset_id: str) -> None:
    """Package (and encrypt) the renditions, make thumbnails, upload under ``assets/{id}/``
    (manifests last), mark the asset ready and publish ``media.asset_ready``."""
    results: dict[str, Any] = {}

    def body(run: StepRun, tmp: Path) -> dict[str, Any]:
        results.update(_package(ctx, run, tmp))
        return {"segments": results.pop("segments"), "encrypted": results["key_id"] is not None}

    def ready(session: Session, ctx: JobContext, asset_id: str, _: Any) -> None:
        thumbs: StepRun = results.pop("thumbnails")
        repo.finish_step(
            session, asset_id, thumbs.name, log=thumbs.log_text, started_at=thumbs.started_at
        )
        if repo.mark_ready(session, asset_id, results):
            asset = session.get(Asset, asset_id)
            assert asset is not None
            publish(session, "media.asset_ready", ready_payload(asset))

    run_step(ctx, asset_id, "package", body, max_retries=PACKAGE_RETRIES, after=ready)
    with ctx.services.db.sessions() as session:
        asset = session.get(Asset, asset_id)
        if asset is not None and asset.status == READY:
            _storage(ctx).delete_prefix(work_prefix(asset_id))


def _package(ctx: JobContext, run: StepRun, tmp: Path) -> dict[str, Any]:
    settings, storage, asset_id = _settings(ctx), _storage(ctx), run.asset_id
    with run.db.sessions() as session:
        plan = _plan(session, asset_id)
        asset = session.get(Asset, asset_id)
        assert asset is not None
        clear = asset.clear
        encode_steps = [s for s in repo.steps(session, asset_id) if s.name.startswith("encode:")]
    unfinished = [s.name for s in encode_steps if s.status != STEP_SUCCEEDED]
    if unfinished:
        raise RuntimeError(f"encodes not finished: {', '.join(unfinished)}")
    encodes = {s.name: s.result or {} for s in encode_steps}
    inputs = tmp / "in"
    inputs.mkdir()
    videos = [
        _download(storage, _work_key(asset_id, _video_name(r.name)), inputs)
        for r in plan.ladder.renditions
    ]
    extra = [
        AudioInput(
            path=str(_download(storage, _work_key(asset_id, a.work_name), inputs)),
            language=a.language,
        )
        for a in plan.audio
        if a.k > 0
    ]
    subtitles = [
        SubtitleInput(
            path=str(_download(storage, _work_key(asset_id, s["file"]), inputs)),
            language=s["language"],
        )
        for s in plan.subtitles
    ]
    run.log(f"downloaded {len(videos)} renditions, {len(extra)} audio, {len(subtitles)} subtitles")
    key = None
    if not clear:
        with run.db.transaction() as session:
            key = key_store(settings).get_or_create(session, asset_id)
        run.log(f"encrypting with key id {key.kid_hex}")
    out = tmp / "out"
    first_language = plan.audio[0].language if plan.audio else None
    result = package(
        videos,
        out,
        audio_language=first_language,
        extra_audio=extra,
        subtitles=subtitles,
        segment_s=settings.media_segment_s,
        key=key,
        on_progress=run.scaled(0.0, 0.7, "packaging"),
    )
    run.log(
        f"packaged {result.duration_s:.2f} s in {len(result.media_playlists)} playlists"
        + (", encrypted (cenc)" if result.encrypted else ", clear")
    )
    thumbs = _thumbnails(ctx, run, plan, videos, out / "thumbs")
    prefix = asset_prefix(asset_id)
    manifests = [MPD_NAME, HLS_MASTER_NAME]
    files = sorted(p for p in out.rglob("*") if p.is_file())
    playlists = [p for p in files if p.suffix == ".m3u8" and p.name not in manifests]
    first = [p for p in files if p not in playlists and p.name not in manifests]
    last = [*playlists, out / HLS_MASTER_NAME, out / MPD_NAME]
    run.progress(0.9, "uploading")
    for path in first + last:
        _upload(storage, path, prefix + path.relative_to(out).as_posix())
    run.log(f"uploaded {len(files)} files under {prefix}")
    by_name = {r.name: encodes[f"encode:{r.name}"] for r in plan.ladder.renditions}
    return {
        "segments": sum(1 for p in files if p.name.startswith("seg-")),
        "key_id": key.kid_hex if key is not None else None,
        "renditions": [
            {k: by_name[r.name][k] for k in _RENDITION_FIELDS} for r in plan.ladder.renditions
        ],
        "duration_s": result.duration_s,
        "dash_key": prefix + MPD_NAME,
        "hls_key": prefix + HLS_MASTER_NAME,
        "poster_key": prefix + "thumbs/" + thumbs["poster"],
        "trickplay_key": prefix + "thumbs/" + thumbs["vtt"],
        "thumbnails": thumbs["run"],
    }


_RENDITION_FIELDS = ("name", "height", "width", "bitrate_kbps", "target_kbps", "vmaf")


def _thumbnails(
    ctx: JobContext, run: StepRun, plan: Plan, videos: list[Path], out: Path
) -> dict[str, Any]:
    """Poster and trick-play sprites: made by the encode's decode in ladder mode, else from
    the renditions here."""
    thumbs = StepRun(ctx, run.asset_id, "thumbnails")
    _start(thumbs)
    out.mkdir(parents=True, exist_ok=True)
    try:
        if plan.single_pass:
            prefix = _work_key(run.asset_id, "thumbs/")
            for item in _storage(ctx).list(prefix):
                _download(_storage(ctx), item.key, out)
            thumbs.log("poster and trick play were made while encoding (one decode)")
        else:
            _make_thumbnails(_settings(ctx), thumbs, videos, out)
    except Exception:
        # Report the failure as the thumbnails step's.
        run.name, run.lines = thumbs.name, thumbs.lines
        raise
    thumbs.progress(0.99, "uploading")
    return {"poster": POSTER_NAME, "vtt": VTT_NAME, "run": thumbs}


def _make_thumbnails(settings: Settings, thumbs: StepRun, videos: list[Path], out: Path) -> None:
    """Poster from the top rendition, trick-play sprites from the smallest (cheap to decode)."""
    top, smallest = videos[0], videos[-1]
    poster = choose_poster(top, probe(top), out / POSTER_NAME)
    thumbs.log(f"poster at {poster.time_s:.2f} s ({poster.width}x{poster.height})")
    thumbs.progress(0.5, "trick-play sprites")
    play = make_trickplay(
        smallest,
        probe(smallest),
        out,
        interval_s=settings.media_trickplay_interval_s,
        threads=settings.media_threads,
    )
    thumbs.log(f"trick play: {play.count} thumbnails on {len(play.sheets)} sheet(s)")
