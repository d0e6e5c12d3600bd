"""Delivery jobs, and the tick that schedules cache warming."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from marquee.delivery import popularity, schedule, service
from marquee.delivery.schemas import WarmReport
from marquee.kit.queue import JobContext, job, periodic


@periodic("delivery.schedule_warming", interval_s=schedule.TICK_S)
def schedule_warming(platform: Any) -> None:
    """Enqueue tonight's warming of each region once the off-peak window opens."""
    schedule.schedule_warming(platform.db, platform.settings, datetime.now(UTC))


@job(schedule.WARM_JOB, time_limit_s=3600)
def warm_edges(
    ctx: JobContext,
    region: str,
    asset_ids: list[str] | None = None,
    budget_bytes: int | None = None,
) -> None:
    """Pre-fill a region's edges. Without ``asset_ids`` it chooses them (plays in the region's
    territories, then new releases) and runs only within ``delivery_warm_window``; with them,
    it pushes those (most popular first) whenever it is run. The job run's message holds the
    reports (one per edge, as JSON) after each edge and at the end."""
    platform = ctx.services
    settings = platform.settings

    def progress(fraction: float, reports: list[WarmReport]) -> None:
        ctx.progress(fraction, _as_json(reports))

    if asset_ids is None:
        reports = popularity.warm_popular(
            settings,
            platform.storage,
            ctx.db,
            region,
            plays=platform.play_counts,
            budget_bytes=budget_bytes,
            progress=progress,
        )
    else:
        reports = service.warm_region(
            settings,
            storage=platform.storage,
            region=region,
            asset_ids=asset_ids,
            budget_bytes=budget_bytes or settings.delivery_warm_budget_bytes,
            rate_bytes_s=settings.delivery_warm_rate_bytes_s,
            progress=progress,
        )
    progress(1.0, reports)


def _as_json(reports: list[WarmReport]) -> str:
    return json.dumps([report.model_dump() for report in reports])
