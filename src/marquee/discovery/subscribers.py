"""Discovery listens to the catalog (keep the index and rows current) and to playback
(plays feed Trending, Top 10, Because You Watched and search popularity; progress and history
edits change a profile's Continue Watching, so they renew its browse answer).

The index lives on each API node, so every node must hear every catalog event: its group
carries the node's name (``discovery_node``, else the host name). Plays are stored once,
in the shared database, by the ``discovery`` group.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from marquee.catalog.events import TITLE_PUBLISHED, TITLE_UNPUBLISHED, TITLE_UPDATED
from marquee.discovery import history, service
from marquee.discovery.browse import history_key
from marquee.discovery.freshness import CatalogGeneration
from marquee.kit.events import BatchHandler, Event

if TYPE_CHECKING:
    from marquee.runtime import Platform

GROUP = "discovery"
#: Playback events after which a profile's Continue Watching may read differently.
PROGRESS_EVENTS = ("playback.heartbeat", "playback.session_ended", "playback.history_removed")


def subscribe(platform: Platform) -> None:
    bus = platform.events
    node_group = f"{GROUP}-index-{platform.settings.discovery_node or socket.gethostname()}"
    catalog_changes = (TITLE_PUBLISHED, TITLE_UPDATED, TITLE_UNPUBLISHED)
    bus.subscribe_batch(catalog_changes, _catalog_handler(platform), group=node_group)
    bus.subscribe_batch("playback.session_started", _play_handler(platform), group=GROUP)
    for name in PROGRESS_EVENTS:
        bus.subscribe(name, _progress_handler(platform), group=GROUP)
    bus.subscribe("identity.profile_deleted", _forget_handler(platform), group=GROUP)


def _catalog_handler(platform: Platform) -> BatchHandler:
    """A batch of catalog changes: one read of the titles, one index commit."""
    generation = CatalogGeneration(platform.cache, platform.settings.discovery_catalog_settle_s)

    def handle(events: Sequence[Event]) -> None:
        title_ids = list(dict.fromkeys(_strings(events, "title_id")))
        if title_ids:
            with platform.db.transaction() as session:
                service.titles_changed(session, platform.settings, title_ids)
            generation.changed(removal=any(e.name == TITLE_UNPUBLISHED for e in events))

    return handle


def _play_handler(platform: Platform) -> BatchHandler:
    def handle(events: Sequence[Event]) -> None:
        with platform.db.transaction() as session:
            profile_ids = [history.record_play(session, event.payload) for event in events]
        for profile_id in dict.fromkeys(p for p in profile_ids if p is not None):
            platform.cache.incr(history_key(profile_id))

    return handle


def _strings(events: Sequence[Event], field: str) -> list[str]:
    return [value for event in events if isinstance(value := event.payload.get(field), str)]


def _progress_handler(platform: Platform) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        profile_id = event.payload.get("profile_id")
        if isinstance(profile_id, str):
            platform.cache.incr(history_key(profile_id))

    return handle


def _forget_handler(platform: Platform) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        profile_id = event.payload.get("profile_id")
        if isinstance(profile_id, str):
            with platform.db.transaction() as session:
                history.forget_profile(session, profile_id)

    return handle
