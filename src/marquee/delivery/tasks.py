"""Delivery jobs."""

from __future__ import annotations

import json

from marquee.delivery import popularity, service
from marquee.kit.queue import JobContext, job


@job("delivery.warm_edges", time_limit_s=3600)
def warm_edges(
    ctx: JobContext,
    region: str,
    asset_ids: list[str] | None = None,
    budget_bytes: int | None = None,
) -> None:
    """Pre-fill a region's edges. Without ``asset_ids`` it chooses them (plays in the region's
    territories, then new releases) and runs only within ``delivery_warm_window``; with them,
    it pushes those (most popular first) whenever it is run."""
    platform = ctx.services
    settings = platform.settings
    if asset_ids is None:
        reports = popularity.warm_popular(
            settings, platform.storage, ctx.db, region, budget_bytes=budget_bytes
        )
    else:
        reports = service.warm_region(
            settings,
            platform.storage,
            region,
            asset_ids,
            budget_bytes or settings.delivery_warm_budget_bytes,
            rate_bytes_s=settings.delivery_warm_rate_bytes_s,
        )
    ctx.progress(1.0, json.dumps([report.model_dump() for report in reports]))
