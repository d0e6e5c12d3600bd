"""What the catalog does when other domains report something."""

from __future__ import annotations

from marquee.catalog.assets import asset_failed, attach_asset
from marquee.kit.events import in_transaction
from marquee.kit.plumbing import Plumbing
from marquee.media.events import ASSET_FAILED, ASSET_READY

GROUP = "catalog"


def subscribe(platform: Plumbing) -> None:
    bus = platform.events
    bus.subscribe(ASSET_READY, in_transaction(platform.db, ASSET_READY, attach_asset), group=GROUP)
    bus.subscribe(
        ASSET_FAILED, in_transaction(platform.db, ASSET_FAILED, asset_failed), group=GROUP
    )
