"""What the catalog does when other domains report something."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marquee.catalog.assets import asset_failed, attach_asset
from marquee.kit.events import in_transaction

if TYPE_CHECKING:
    from marquee.runtime import Platform

GROUP = "catalog"


def subscribe(platform: Platform) -> None:
    bus = platform.events
    bus.subscribe("media.asset_ready", in_transaction(platform.db, attach_asset), group=GROUP)
    bus.subscribe("media.asset_failed", in_transaction(platform.db, asset_failed), group=GROUP)
