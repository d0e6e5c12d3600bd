"""Playback forgets what identity deletes."""

from __future__ import annotations

from marquee.identity.events import ACCOUNT_DELETED, PROFILE_DELETED
from marquee.kit.events import in_transaction
from marquee.kit.plumbing import Plumbing
from marquee.playback.history import erase_account, erase_profile

GROUP = "playback"


def subscribe(platform: Plumbing) -> None:
    bus = platform.events
    bus.subscribe(
        PROFILE_DELETED, in_transaction(platform.db, PROFILE_DELETED, erase_profile), group=GROUP
    )
    bus.subscribe(
        ACCOUNT_DELETED, in_transaction(platform.db, ACCOUNT_DELETED, erase_account), group=GROUP
    )
