"""Playback forgets what identity deletes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marquee.kit.events import in_transaction
from marquee.playback.history import erase_account, erase_profile

if TYPE_CHECKING:
    from marquee.runtime import Platform

GROUP = "playback"


def subscribe(platform: Platform) -> None:
    bus = platform.events
    bus.subscribe(
        "identity.profile_deleted", in_transaction(platform.db, erase_profile), group=GROUP
    )
    bus.subscribe(
        "identity.account_deleted", in_transaction(platform.db, erase_account), group=GROUP
    )
