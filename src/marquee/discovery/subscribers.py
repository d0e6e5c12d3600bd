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

from marquee.catalog.events import TITLE_PUBLISHED, TITLE_UNPUBLISHED, TITLE_UPDATED
from marquee.discovery import history, service
from marquee.discovery.browse import history_key
from marquee.discovery.freshness import CatalogGeneration
from marquee.identity.events import ACCOUNT_DELETED, PROFILE_DELETED
from marquee.kit.events import BatchHandler, Event
from marquee.kit.plumbing import Plumbing
from marquee.playback.events import HEARTBEAT, HISTORY_REMOVED, SESSION_ENDED, SESSION_STARTED

GROUP = "discovery"
CATALOG_CHANGES = (TITLE_PUBLISHED, TITLE_UPDATED, TITLE_UNPUBLISHED)
#: Playback events after which a profile's Continue Watching may read differently.
PROGRESS_EVENTS = (HEARTBEAT, SESSION_ENDED, HISTORY_REMOVED)


def subscribe(platform: Plumbing) -> None:
    bus = platform.events
    node_group = f"{GROUP}-index-{platform.settings.discovery_node or socket.gethostname()}"
    bus.subscribe_batch(CATALOG_CHANGES, _catalog_handler(platform), group=node_group)
    bus.subscribe_batch(SESSION_STARTED, _play_handler(platform), group=GROUP)
    bus.subscribe(PROGRESS_EVENTS, _progress_handler(platform), group=GROUP)
    bus.subscribe(PROFILE_DELETED, _forget_handler(platform), group=GROUP)
    bus.subscribe(ACCOUNT_DELETED, _forget_account_handler(platform), group=GROUP)


def _catalog_handler(platform: Plumbing) -> BatchHandler:
    """A batch of catalog changes: one read of the titles, one index commit."""
    generation = CatalogGeneration(platform.cache, platform.settings.discovery_catalog_settle_s)
    declared = {event.name: event for event in CATALOG_CHANGES}

    def handle(events: Sequence[Event]) -> None:
        changed = [declared[event.name].parse(event).title_id for event in events]
        with platform.db.transaction() as session:
            service.titles_changed(
                session, settings=platform.settings, title_ids=list(dict.fromkeys(changed))
            )
        generation.changed(removal=any(e.name == TITLE_UNPUBLISHED.name for e in events))

    return handle


def _play_handler(platform: Plumbing) -> BatchHandler:
    def handle(events: Sequence[Event]) -> None:
        plays = [SESSION_STARTED.parse(event) for event in events]
        with platform.db.transaction() as session:
            for play in plays:
                history.record_play(session, play)
        for profile_id in dict.fromkeys(play.profile_id for play in plays):
            platform.cache.incr(history_key(profile_id))

    return handle


def _progress_handler(platform: Plumbing) -> Callable[[Event], None]:
    declared = {event.name: event for event in PROGRESS_EVENTS}

    def handle(event: Event) -> None:
        profile_id = declared[event.name].parse(event).profile_id
        platform.cache.incr(history_key(profile_id))

    return handle


def _forget_handler(platform: Plumbing) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        with platform.db.transaction() as session:
            history.forget_profile(session, profile_id=PROFILE_DELETED.parse(event).profile_id)

    return handle


def _forget_account_handler(platform: Plumbing) -> Callable[[Event], None]:
    """A deleted account's plays go with it (by its profiles: plays hold no account id)."""

    def handle(event: Event) -> None:
        deleted = ACCOUNT_DELETED.parse(event)
        with platform.db.transaction() as session:
            history.forget_profiles(session, profile_ids=deleted.profile_ids)
        for profile_id in deleted.profile_ids:
            platform.cache.incr(history_key(profile_id))

    return handle
