"""``GET /api/v1/demo/status``, served by ``marquee demo`` only: how many demo titles are still
being prepared, for the home page to say while the catalog fills."""

from __future__ import annotations

from fastapi import APIRouter, Request

from marquee.api import API_PREFIX
from marquee.demo.seed import DemoStatus, status

router = APIRouter(prefix=f"{API_PREFIX}/demo", tags=["demo"])


@router.get("/status")
def demo_status(request: Request) -> DemoStatus:
    """Titles ready to play and titles whose media are still in the pipeline."""
    return status(request.app.state.platform)
