"""Discovery listens to the catalog (keep the index and rows current) and to playback
(plays feed Trending, Top 10, Because You Watched and search popularity; progress and history
edits change a profile's Continue Watching, so they renew its browse answer).

The index lives on each API node, so every node must hear every catalog event: its group
carries the node's name (``discovery_node``, else the host name). Plays are stored once,
in the shared database, by the ``discovery`` group.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

from marquee.discovery import history, service
from marquee.discovery.browse import GENERATION_KEY, history_key
from marquee.kit.events import Event

if TYPE_CHECKING:
    from marquee.runtime import Platform

GROUP = "discovery"
#: Playback events after which a profile's Continue Watching may read differently.
PROGRESS_EVENTS = ("playback.heartbeat", "playback.session_ended", "playback.history_removed")


def subscribe(platform: Platform) -> None:
    bus = platform.events
    node_group = f"{GROUP}-index-{platform.settings.discovery_node or socket.gethostname()}"
    for name in ("title_published", "title_updated", "title_unpublished"):
        bus.subscribe(f"catalog.{name}", _catalog_handler(platform), group=node_group)
    bus.subscribe("playback.session_started", _play_handler(platform), group=GROUP)
    for name in PROGRESS_EVENTS:
        bus.subscribe(name, _progress_handler(platform), group=GROUP)
    bus.subscribe("identity.profile_deleted", _forget_handler(platform), group=GROUP)


def _catalog_handler(platform: Platform) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        title_id = event.payload.get("title_id")
        if not isinstance(title_id, str):
            return
        with platform.db.transaction() as session:
            service.title_changed(session, platform.settings, title_id)
        platform.cache.incr(GENERATION_KEY)

    return handle


def _play_handler(platform: Platform) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        with platform.db.transaction() as session:
            profile_id = history.record_play(session, event.payload)
        if profile_id is not None:
            platform.cache.incr(history_key(profile_id))

    return handle


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
