"""Delivery jobs."""

from __future__ import annotations

import json

from marquee.delivery import service
from marquee.kit.queue import JobContext, job


@job("delivery.warm_edges", time_limit_s=3600)
def warm_edges(ctx: JobContext, region: str, asset_ids: list[str], budget_bytes: int) -> None:
    """Pre-fill a region's edges with the given titles' objects (most popular first)."""
    platform = ctx.services
    reports = service.warm_region(
        platform.settings, platform.storage, region, asset_ids, budget_bytes
    )
    ctx.progress(1.0, json.dumps([report.model_dump() for report in reports]))
