"""Downloads revokes what billing, catalog and identity no longer allow (:mod:`.revocation`)."""

from __future__ import annotations

from marquee.billing.events import SUBSCRIPTION_CHANGED
from marquee.catalog.events import TITLE_UNPUBLISHED, TITLE_UPDATED
from marquee.downloads.revocation import (
    on_account_deleted,
    on_plan_change,
    on_profile_deleted,
    on_title_changed,
)
from marquee.identity.events import ACCOUNT_DELETED, PROFILE_DELETED
from marquee.kit.events import in_transaction
from marquee.kit.plumbing import Plumbing

GROUP = "downloads"


def subscribe(platform: Plumbing) -> None:
    bus, db = platform.events, platform.db
    bus.subscribe(
        SUBSCRIPTION_CHANGED,
        in_transaction(db, SUBSCRIPTION_CHANGED, on_plan_change),
        group=GROUP,
    )
    bus.subscribe(TITLE_UPDATED, in_transaction(db, TITLE_UPDATED, on_title_changed), group=GROUP)
    bus.subscribe(
        TITLE_UNPUBLISHED, in_transaction(db, TITLE_UNPUBLISHED, on_title_changed), group=GROUP
    )
    bus.subscribe(
        PROFILE_DELETED, in_transaction(db, PROFILE_DELETED, on_profile_deleted), group=GROUP
    )
    bus.subscribe(
        ACCOUNT_DELETED, in_transaction(db, ACCOUNT_DELETED, on_account_deleted), group=GROUP
    )
