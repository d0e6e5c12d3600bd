"""Playback forgets what identity deletes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from marquee.kit.events import Event
from marquee.playback.history import erase_account, erase_profile

if TYPE_CHECKING:
    from marquee.runtime import Platform

GROUP = "playback"


def subscribe(platform: Platform) -> None:
    bus = platform.events
    bus.subscribe("identity.profile_deleted", _in_transaction(platform, erase_profile), group=GROUP)
    bus.subscribe("identity.account_deleted", _in_transaction(platform, erase_account), group=GROUP)


def _in_transaction(
    platform: Platform, handle: Callable[[Session, dict[str, Any]], None]
) -> Callable[[Event], None]:
    def handler(event: Event) -> None:
        with platform.db.transaction() as session:
            handle(session, event.payload)

    return handler
