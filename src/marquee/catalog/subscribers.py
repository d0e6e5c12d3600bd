"""What the catalog does when other domains report something."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from marquee.catalog.assets import asset_failed, attach_asset
from marquee.kit.events import Event

if TYPE_CHECKING:
    from marquee.runtime import Platform

GROUP = "catalog"


def subscribe(platform: Platform) -> None:
    bus = platform.events
    bus.subscribe("media.asset_ready", _in_transaction(platform, attach_asset), group=GROUP)
    bus.subscribe("media.asset_failed", _in_transaction(platform, asset_failed), group=GROUP)


def _in_transaction(
    platform: Platform, handle: Callable[[Session, dict[str, Any]], None]
) -> Callable[[Event], None]:
    def handler(event: Event) -> None:
        with platform.db.transaction() as session:
            handle(session, event.payload)

    return handler
