"""Analytics listens to playback, the catalog, media and its own telemetry (all written to the
lake, one batch at a time) and to account and profile deletion (their rows leave the lake).
The lake is shared, so one group, ``analytics``, writes each event once."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from marquee.analytics import service
from marquee.analytics.ingest import LAKE_EVENTS, table_of
from marquee.identity.events import ACCOUNT_DELETED, PROFILE_DELETED
from marquee.kit.events import BatchHandler, Event
from marquee.kit.plumbing import Plumbing

GROUP = "analytics"


def subscribe(platform: Plumbing) -> None:
    bus = platform.events
    bus.subscribe_batch(LAKE_EVENTS, lake_writer(platform), group=GROUP)
    bus.subscribe(ACCOUNT_DELETED, _forget_account(platform), group=GROUP)
    bus.subscribe(PROFILE_DELETED, _forget_profile(platform), group=GROUP)


def lake_writer(platform: Plumbing) -> BatchHandler:
    """Write a batch of events to the lake (each event id once, whatever is redelivered)."""
    names = service.pseudonyms(platform.settings)

    def handle(events: Sequence[Event]) -> None:
        service.write_table(platform, table_of(names, events))

    return handle


def _forget_account(platform: Plumbing) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        deleted = ACCOUNT_DELETED.parse(event)
        service.erase_people(platform, ids=[deleted.account_id, *deleted.profile_ids])

    return handle


def _forget_profile(platform: Plumbing) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        deleted = PROFILE_DELETED.parse(event)
        service.erase_people(platform, ids=[deleted.profile_id])

    return handle
