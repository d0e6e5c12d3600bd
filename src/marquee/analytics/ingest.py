"""From the platform's events to the lake's rows (:mod:`.rows`): what each declared event that
analytics reads becomes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from marquee.analytics.events import TELEMETRY_RECEIVED
from marquee.analytics.rows import Pseudonyms, Row, session_row, telemetry_rows
from marquee.billing.events import SUBSCRIPTION_CHANGED
from marquee.catalog.events import TITLE_PUBLISHED, TITLE_UNPUBLISHED, TITLE_UPDATED
from marquee.identity.events import ACCOUNT_CREATED
from marquee.kit.events import Event, EventType
from marquee.media.events import ASSET_READY
from marquee.playback.events import HEARTBEAT, SESSION_ENDED, SESSION_STARTED

Converter = Callable[[Pseudonyms, Event], Iterator[Row]]


def _started(names: Pseudonyms, event: Event) -> Iterator[Row]:
    facts = SESSION_STARTED.parse(event)
    row = session_row(names, event.id, "session_started", facts)
    yield row | {"asset_id": facts.asset_id, "device": facts.device}


def _heartbeat(names: Pseudonyms, event: Event) -> Iterator[Row]:
    beat = HEARTBEAT.parse(event)
    row = session_row(names, event.id, "heartbeat", beat)
    yield row | {
        "position_s": beat.position_s,
        "state": beat.state,
        "bitrate_kbps": beat.bitrate_kbps,
        "buffer_s": beat.buffer_s,
        "dropped_frames": beat.dropped_frames,
    }


def _ended(names: Pseudonyms, event: Event) -> Iterator[Row]:
    ended = SESSION_ENDED.parse(event)
    row = session_row(names, event.id, "session_ended", ended)
    yield row | {"position_s": ended.position_s, "reason": ended.reason}


def _title(event_type: EventType[Any], kind: str) -> Converter:
    def convert(_names: Pseudonyms, event: Event) -> Iterator[Row]:
        title_id = event_type.parse(event).title_id
        yield {"id": event.id, "kind": kind, "at": _at(event), "title_id": title_id}

    return convert


def _renditions(_names: Pseudonyms, event: Event) -> Iterator[Row]:
    """One row per rendition of a ready asset: its height, bitrate and VMAF (delivered VMAF
    is the VMAF of the renditions the players report playing)."""
    ready = ASSET_READY.parse(event)
    for index, rendition in enumerate(ready.renditions):
        yield {
            "id": f"{event.id}:{index}",
            "kind": "rendition",
            "at": _at(event),
            "title_id": ready.title_id,
            "episode_id": ready.episode_id,
            "asset_id": ready.asset_id,
            "duration_s": ready.duration_s,
            "height": rendition.height,
            "bitrate_kbps": rendition.bitrate_kbps,
            "vmaf": rendition.vmaf,
        }


def _at(event: Event) -> datetime:
    return datetime.fromisoformat(event.occurred_at)


def _signup(names: Pseudonyms, event: Event) -> Iterator[Row]:
    created = ACCOUNT_CREATED.parse(event)
    yield {
        "id": event.id,
        "kind": "signup",
        "at": _at(event),
        "viewer": names.of(created.account_id),
    }


def _subscription(names: Pseudonyms, event: Event) -> Iterator[Row]:
    """A subscription's state after a change, with the plan's monthly price (in the first of
    its currencies by code: MRR adds prices of one currency)."""
    change = SUBSCRIPTION_CHANGED.parse(event)
    currency = min(change.prices, default=None)
    yield {
        "id": event.id,
        "kind": "subscription",
        "at": change.at,
        "viewer": names.of(change.account_id),
        "plan": change.plan_id,
        "state": change.status,
        "currency": currency,
        "amount": change.prices[currency] if currency else None,
    }


def _telemetry(names: Pseudonyms, event: Event) -> Iterator[Row]:
    yield from telemetry_rows(names, TELEMETRY_RECEIVED.parse(event))


CONVERTERS: dict[str, Converter] = {
    SESSION_STARTED.name: _started,
    HEARTBEAT.name: _heartbeat,
    SESSION_ENDED.name: _ended,
    TITLE_PUBLISHED.name: _title(TITLE_PUBLISHED, "title_published"),
    TITLE_UPDATED.name: _title(TITLE_UPDATED, "title_updated"),
    TITLE_UNPUBLISHED.name: _title(TITLE_UNPUBLISHED, "title_unpublished"),
    ASSET_READY.name: _renditions,
    TELEMETRY_RECEIVED.name: _telemetry,
    ACCOUNT_CREATED.name: _signup,
    SUBSCRIPTION_CHANGED.name: _subscription,
}
LAKE_EVENTS = (
    SESSION_STARTED,
    HEARTBEAT,
    SESSION_ENDED,
    TITLE_PUBLISHED,
    TITLE_UPDATED,
    TITLE_UNPUBLISHED,
    ASSET_READY,
    TELEMETRY_RECEIVED,
    ACCOUNT_CREATED,
    SUBSCRIPTION_CHANGED,
)


def rows_of(names: Pseudonyms, events: Sequence[Event]) -> list[Row]:
    return [row for event in events for row in CONVERTERS[event.name](names, event)]
