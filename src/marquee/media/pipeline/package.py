"""``media.package``: package (and encrypt) the renditions with the extra audio and the
subtitles, make the thumbnails, upload everything under ``assets/{asset_id}/`` (manifests
last), mark the asset ready and publish ``media.asset_ready``; then drop its work objects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from marquee.kit.events import publish
from marquee.kit.queue import JobContext, job
from marquee.media import repository as repo
from marquee.media.encrypt import ContentKey
from marquee.media.events import ASSET_READY
from marquee.media.keystore import SD, key_store, tier_of
from marquee.media.models import READY, STEP_SUCCEEDED, Asset
from marquee.media.package import HLS_MASTER_NAME, MPD_NAME, AudioInput, SubtitleInput, package
from marquee.media.pipeline.plan import read_plan, video_name, work_key
from marquee.media.pipeline.runner import (
    LONG_JOB_S,
    StepRun,
    download,
    job_settings,
    job_storage,
    run_step,
    upload,
)
from marquee.media.pipeline.thumbnails import make_thumbnails
from marquee.media.service import asset_prefix, ready_payload, work_prefix
from marquee.settings import Settings

PACKAGE_RETRIES = 3


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
            publish(session, ASSET_READY, ready_payload(asset))

    run_step(ctx, asset_id, "package", body, max_retries=PACKAGE_RETRIES, after=ready)
    with ctx.services.db.sessions() as session:
        asset = session.get(Asset, asset_id)
        if asset is not None and asset.status == READY:
            job_storage(ctx).delete_prefix(work_prefix(asset_id))


def _package(ctx: JobContext, run: StepRun, tmp: Path) -> dict[str, Any]:
    settings, storage, asset_id = job_settings(ctx), job_storage(ctx), run.asset_id
    with run.db.sessions() as session:
        plan = read_plan(session, asset_id)
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
        download(storage, work_key(asset_id, video_name(r.name)), inputs)
        for r in plan.ladder.renditions
    ]
    extra = [
        AudioInput(
            path=str(download(storage, work_key(asset_id, a.work_name), inputs)),
            language=a.language,
        )
        for a in plan.audio
        if a.k > 0
    ]
    subtitles = [
        SubtitleInput(
            path=str(download(storage, work_key(asset_id, s["file"]), inputs)),
            language=s["language"],
        )
        for s in plan.subtitles
    ]
    run.log(f"downloaded {len(videos)} renditions, {len(extra)} audio, {len(subtitles)} subtitles")
    heights = [r.height for r in plan.ladder.renditions]
    key, rendition_keys = None, None
    if not clear:
        key, rendition_keys = _tier_keys(run, settings, heights)
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
        rendition_keys=rendition_keys,
        on_progress=run.scaled(0.0, 0.7, "packaging"),
    )
    run.log(
        f"packaged {result.duration_s:.2f} s in {len(result.media_playlists)} playlists"
        + (", encrypted (cenc)" if result.encrypted else ", clear")
    )
    h264 = [v for v, r in zip(videos, plan.ladder.renditions, strict=True) if r.codec == "h264"]
    thumbs = make_thumbnails(ctx, run, plan, h264, out / "thumbs")
    prefix = asset_prefix(asset_id)
    manifests = [MPD_NAME, HLS_MASTER_NAME]
    files = sorted(p for p in out.rglob("*") if p.is_file())
    playlists = [p for p in files if p.suffix == ".m3u8" and p.name not in manifests]
    first = [p for p in files if p not in playlists and p.name not in manifests]
    last = [*playlists, out / HLS_MASTER_NAME, out / MPD_NAME]
    run.progress(0.9, "uploading")
    for path in first + last:
        upload(storage, path, prefix + path.relative_to(out).as_posix())
    run.log(f"uploaded {len(files)} files under {prefix}")
    by_name = {r.name: encodes[f"encode:{r.name}"] for r in plan.ladder.renditions}
    kids = [k.kid_hex for k in rendition_keys] if rendition_keys else [None] * len(heights)
    return {
        "segments": sum(1 for p in files if p.name.startswith("seg-")),
        "key_id": key.kid_hex if key is not None else None,
        "renditions": [
            {**{k: by_name[r.name][k] for k in _RENDITION_FIELDS}, "key_id": kid, "codec": r.codec}
            for r, kid in zip(plan.ladder.renditions, kids, strict=True)
        ],
        "duration_s": result.duration_s,
        "dash_key": prefix + MPD_NAME,
        "hls_key": prefix + HLS_MASTER_NAME,
        "poster_key": prefix + "thumbs/" + thumbs["poster"],
        "trickplay_key": prefix + "thumbs/" + thumbs["vtt"],
        "thumbnails": thumbs["run"],
    }


_RENDITION_FIELDS = ("name", "height", "width", "bitrate_kbps", "target_kbps", "vmaf")


def _tier_keys(
    run: StepRun, settings: Settings, heights: list[int]
) -> tuple[ContentKey, list[ContentKey]]:
    """The SD key (the run's and the audio's) and each rendition's tier key (docs/media.md:
    an asset packaged before tiers keeps its one key as SD and gets HD/UHD keys here)."""
    tiers = [tier_of(height, settings) for height in heights]
    store = key_store(settings)
    with run.db.transaction() as session:
        keys = {tier: store.get_or_create(session, run.asset_id, tier) for tier in {SD, *tiers}}
    run.log("encrypting with key ids " + ", ".join(f"{t} {k.kid_hex}" for t, k in keys.items()))
    return keys[SD], [keys[tier] for tier in tiers]
