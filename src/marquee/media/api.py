"""HTTP API of the media domain: an asset's status, steps, QC report and renditions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from marquee.identity.schemas import Principal
from marquee.identity.service import require_role
from marquee.kit.web import DbSession, api_router
from marquee.media import service
from marquee.media.schemas import AssetOut

router = api_router(prefix="/media", tags=["media"])


@router.get("/assets/{asset_id}", response_model=AssetOut)
def get_asset(
    asset_id: str,
    session: DbSession,
    _: Annotated[Principal, Depends(require_role("editor"))],
) -> AssetOut:
    """An asset: status, each pipeline step (progress, log, timing), QC and renditions (studio)."""
    return service.get_asset(session, asset_id=asset_id)
