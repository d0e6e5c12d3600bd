"""The step runner every job of the pipeline stands on.

Owns one attempt at one step (``StepRun``: progress on the job run and the step row, a log
tail, timing), the job's temporary workspace, the object-store transfers, and what happens when
a step ends: ``run_step`` skips a step that already succeeded, completes it and hands over to the
next stage under the asset's row lock, or fails it (``InputRejected`` or the last attempt: the
asset fails, ``media.asset_failed`` is published and its outputs are removed) or lets it retry.

A step runs in one worker at a time: ``run_step`` claims it first (``kit.claims``, a lease of
``MARQUEE_MEDIA_STEP_LEASE_S`` renewed while it runs). A second delivery of the job (a broker
connection closed under it) finds the claim held and comes back when the lease would have run
out (``JobDeferred``), by which time the step has succeeded (skipped) or its worker has died
(the claim is taken again). A worker that finds its claim taken stops at its next progress.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import posixpath
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from marquee.kit.claims import Claim, Held, claimed
from marquee.kit.db import Database, utcnow
from marquee.kit.events import publish
from marquee.kit.queue import JobContext, JobDeferred, PermanentJobError
from marquee.kit.storage import ObjectNotFound, ObjectStore
from marquee.media import repository as repo
from marquee.media.events import ASSET_FAILED, AssetFailed
from marquee.media.ffmpeg import MediaError
from marquee.media.models import STEP_FAILED, STEP_RETRYING, Asset
from marquee.media.service import asset_prefix, work_prefix
from marquee.settings import Settings

log = logging.getLogger(__name__)

#: Generous: a job's lease is renewed while it runs; this only stops a wedged ffmpeg.
LONG_JOB_S = 6 * 3600
PROGRESS_EVERY_S = 0.5
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


@dataclass
class StepRun:
    """One attempt at one step: progress (job run + step row), a log tail, timing."""

    ctx: JobContext
    asset_id: str
    name: str
    lines: list[str] = field(default_factory=list)
    started_at: Any = field(default_factory=utcnow)
    claim: Claim | None = None
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
        """Record progress; raise JobDeferred (stopping the work) when another worker has
        taken this step's claim."""
        if self.claim is not None and self.claim.lost.is_set():
            raise JobDeferred(f"{self.name}: taken by another worker", delay_s=self.claim.lease_s)
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


def job_settings(ctx: JobContext) -> Settings:
    return ctx.services.settings  # type: ignore[no-any-return]


def job_storage(ctx: JobContext) -> ObjectStore:
    return ctx.services.storage  # type: ignore[no-any-return]


@contextlib.contextmanager
def workspace(settings: Settings) -> Iterator[Path]:
    """A temporary directory for one job, removed however the job ends."""
    root = settings.media_temp_dir or None
    if root is not None:
        Path(root).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="marquee-media-", dir=root) as tmp:
        yield Path(tmp)


def error_reason(exc: BaseException) -> str:
    if isinstance(exc, MediaError):
        return exc.reason
    if isinstance(exc, ObjectNotFound):
        return f"missing object {exc.args[0] if exc.args else ''}".strip()
    return str(exc) or type(exc).__name__


def start_step(run: StepRun) -> bool:
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
            failed = AssetFailed(
                asset_id=asset.id,
                title_id=asset.title_id,
                episode_id=asset.episode_id,
                step=run.name,
                reason=reason,
            )
            publish(session, ASSET_FAILED, failed)
    _discard_outputs(job_storage(ctx), run.asset_id)


def _discard_outputs(storage: ObjectStore, asset_id: str) -> None:
    storage.delete_prefix(asset_prefix(asset_id))
    storage.delete_prefix(work_prefix(asset_id))


def handle_failure(ctx: JobContext, run: StepRun, exc: Exception, max_retries: int) -> None:
    """Bad input or the last attempt: the asset fails. Otherwise the job is retried."""
    reason = error_reason(exc)
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
    with step_claim(run):
        if not start_step(run):
            return
        try:
            with workspace(job_settings(ctx)) as tmp:
                result = body(run, tmp)
            complete_step(ctx, run, result, after)
        except JobDeferred:
            raise
        except Exception as exc:
            handle_failure(ctx, run, exc, max_retries)


@contextlib.contextmanager
def step_claim(run: StepRun) -> Iterator[Claim]:
    """Hold the step's claim while the block runs; JobDeferred when another worker has it."""
    lease_s = job_settings(run.ctx).media_step_lease_s
    key = f"media.step:{run.asset_id}:{run.name}"
    try:
        with claimed(run.db, key, lease_s=lease_s) as claim:
            run.claim = claim
            yield claim
    except Held as held:
        raise JobDeferred(str(held), delay_s=held.remaining_s + 1) from None


def complete_step(
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
        _discard_outputs(job_storage(ctx), run.asset_id)
    run.ctx.progress(1.0, f"{run.name}: done")


def download(storage: ObjectStore, key: str, tmp: Path, name: str | None = None) -> Path:
    path = tmp / (name or posixpath.basename(key))
    storage.download_to(key, str(path))
    return path


def upload(storage: ObjectStore, path: Path, key: str) -> None:
    content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    storage.upload_from(str(path), key, content_type=content_type)


def source_path(storage: ObjectStore, key: str, tmp: Path, run: StepRun | None) -> Path:
    suffix = Path(posixpath.basename(key)).suffix
    path = tmp / f"source{suffix}"
    try:
        storage.download_to(key, str(path))
    except ObjectNotFound as exc:
        raise InputRejected(f"the source {key} is not in the object store") from exc
    if run is not None:
        run.log(f"downloaded {key} ({path.stat().st_size / 1e6:.1f} MB)")
    return path
