"""The ``thumbnails`` step of ``media.package``: the poster and the trick-play sprites, made
from the renditions, or fetched from the work objects where ladder mode's single decode already
made them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marquee.kit.queue import JobContext
from marquee.media.pipeline.plan import Plan, work_key
from marquee.media.pipeline.runner import StepRun, download, job_settings, job_storage, start_step
from marquee.media.probe import probe
from marquee.media.thumbnails import POSTER_NAME, VTT_NAME, choose_poster, make_trickplay
from marquee.settings import Settings


def make_thumbnails(
    ctx: JobContext, run: StepRun, plan: Plan, videos: list[Path], out: Path
) -> dict[str, Any]:
    """Poster and trick-play sprites: made by the encode's decode in ladder mode, else from
    the renditions here."""
    thumbs = StepRun(ctx, run.asset_id, "thumbnails")
    start_step(thumbs)
    out.mkdir(parents=True, exist_ok=True)
    try:
        if plan.single_pass:
            prefix = work_key(run.asset_id, "thumbs/")
            for item in job_storage(ctx).list(prefix):
                download(job_storage(ctx), item.key, out)
            thumbs.log("poster and trick play were made while encoding (one decode)")
        else:
            _from_renditions(job_settings(ctx), thumbs, videos, out)
    except Exception:
        # Report the failure as the thumbnails step's.
        run.name, run.lines = thumbs.name, thumbs.lines
        raise
    thumbs.progress(0.99, "uploading")
    return {"poster": POSTER_NAME, "vtt": VTT_NAME, "run": thumbs}


def _from_renditions(settings: Settings, thumbs: StepRun, videos: list[Path], out: Path) -> None:
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
