"""HTTP API of the media domain: an asset's status, steps, QC report and renditions."""

from __future__ import annotations

from marquee.kit.web import DbSession, api_router
from marquee.media import service
from marquee.media.schemas import AssetOut

router = api_router(prefix="/media", tags=["media"])


@router.get("/assets/{asset_id}", response_model=AssetOut)
def get_asset(asset_id: str, session: DbSession) -> AssetOut:
    """An asset: status, each pipeline step (progress, log, timing), QC and renditions."""
    return service.get_asset(session, asset_id)
