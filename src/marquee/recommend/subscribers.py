"""Recommend listens to playback (plays, and how far they got) and to identity (a deleted
profile's signals go with it), and to its own signal changes (thumbs, My List, search clicks),
to bump the profile's signals count in the cache once they are committed
(``service.signals_key``): browse answers cached under the old count are renewed at the next
request."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from marquee.identity.events import ACCOUNT_DELETED, PROFILE_DELETED
from marquee.kit.events import BatchHandler, Event
from marquee.kit.plumbing import Plumbing
from marquee.playback.events import SESSION_ENDED, SESSION_STARTED
from marquee.recommend import signals
from marquee.recommend.events import LIST_CHANGED, SEARCH_CLICKED, THUMB_CHANGED
from marquee.recommend.service import signals_key

GROUP = "recommend"
OWN_CHANGES = (THUMB_CHANGED, LIST_CHANGED, SEARCH_CLICKED)


def subscribe(platform: Plumbing) -> None:
    bus = platform.events
    bus.subscribe_batch(SESSION_STARTED, _started_handler(platform), group=GROUP)
    bus.subscribe(SESSION_ENDED, _ended_handler(platform), group=GROUP)
    bus.subscribe(OWN_CHANGES, _changed_handler(platform), group=GROUP)
    bus.subscribe(PROFILE_DELETED, _forget_handler(platform), group=GROUP)
    bus.subscribe(ACCOUNT_DELETED, _forget_account_handler(platform), group=GROUP)


def _started_handler(platform: Plumbing) -> BatchHandler:
    def handle(events: Sequence[Event]) -> None:
        plays = [SESSION_STARTED.parse(event) for event in events]
        with platform.db.transaction() as session:
            for play in plays:
                signals.record_started(session, play)
        _bump(platform, [play.profile_id for play in plays])

    return handle


def _ended_handler(platform: Plumbing) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        ended = SESSION_ENDED.parse(event)
        with platform.db.transaction() as session:
            signals.record_ended(
                session, ended, abandon_fraction=platform.settings.recommend_abandon_fraction
            )
        _bump(platform, [ended.profile_id])

    return handle


def _changed_handler(platform: Plumbing) -> Callable[[Event], None]:
    declared = {event.name: event for event in OWN_CHANGES}

    def handle(event: Event) -> None:
        _bump(platform, [declared[event.name].parse(event).profile_id])

    return handle


def _forget_handler(platform: Plumbing) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        profile_id = PROFILE_DELETED.parse(event).profile_id
        with platform.db.transaction() as session:
            signals.forget(session, profile_ids=[profile_id])

    return handle


def _forget_account_handler(platform: Plumbing) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        deleted = ACCOUNT_DELETED.parse(event)
        with platform.db.transaction() as session:
            signals.forget(session, profile_ids=list(deleted.profile_ids))

    return handle


def _bump(platform: Plumbing, profile_ids: Sequence[str]) -> None:
    for profile_id in dict.fromkeys(profile_ids):
        platform.cache.incr(signals_key(profile_id))
