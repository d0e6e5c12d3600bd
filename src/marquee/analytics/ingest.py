"""From the platform's events to the lake's rows (:mod:`.rows`): what each declared event that
analytics reads becomes.

The busy events (a session's start, heartbeats and end, the player's telemetry) are turned into
Arrow columns straight from their payloads, one list per column for the whole batch: their
payloads were validated by their models when published, so parsing each again into a model
and a dict per row (which cost a third of the ingest) is skipped; a field missing from a payload
takes its model's default. The rare ones (titles, renditions, sign-ups, subscriptions) go
through their models, a row at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, get_args

import pyarrow as pa
from pydantic import BaseModel

from marquee.analytics.events import TELEMETRY_RECEIVED
from marquee.analytics.rows import SCHEMA, Pseudonyms, Row, as_table, table_of_columns
from marquee.analytics.schemas import (
    PlaybackError,
    QualityChange,
    Sample,
    StallEnd,
    StallStart,
    Startup,
)
from marquee.billing.events import (
    INVOICE_FAILED,
    INVOICE_PAID,
    PLAN_CHANGED,
    SUBSCRIPTION_CANCELED,
    SUBSCRIPTION_CHANGED,
    SUBSCRIPTION_RENEWED,
    SUBSCRIPTION_STARTED,
    Revenue,
)
from marquee.catalog.events import TITLE_PUBLISHED, TITLE_UNPUBLISHED, TITLE_UPDATED
from marquee.identity.events import ACCOUNT_CREATED
from marquee.kit.events import Event, EventType
from marquee.media.events import ASSET_READY
from marquee.playback.events import (
    HEARTBEAT,
    SESSION_ENDED,
    SESSION_STARTED,
    PlaybackEnded,
    PlaybackHeartbeat,
    PlaybackStarted,
)
from marquee.playback.service import SessionOfAccount

Converter = Callable[[Pseudonyms, Sequence[Event]], pa.Table]
"""Rows of a batch's events of one name."""
RowConverter = Callable[[Pseudonyms, Event], Iterator[Row]]
"""Rows of one event."""
Payload = dict[str, Any]
Columns = dict[str, list[Any]]

#: The player's fields stored under another column's name.
TELEMETRY_RENAMED = {
    "duration_ms": "stall_ms",
    "to_height": "height",
    "to_bitrate_kbps": "bitrate_kbps",
    "code": "error_code",
    "message": "error_message",
}
#: The model of each kind of player event.
TELEMETRY_MODELS: dict[str, type[BaseModel]] = {
    get_args(model.model_fields["kind"].annotation)[0]: model
    for model in (Startup, StallStart, StallEnd, QualityChange, PlaybackError, Sample)
}


def _values(payloads: Sequence[Payload], name: str, model: type[BaseModel]) -> list[Any]:
    """One field of every payload (its model's default where a payload lacks it)."""
    default = model.model_fields[name].default
    return [payload.get(name, default) for payload in payloads]


def _facts(names: Pseudonyms, facts: Sequence[Payload]) -> Columns:
    """The columns every playback event fills in from its session's facts (``at`` aside)."""
    return {
        "viewer": [names.of(f["account_id"]) for f in facts],
        "profile": [names.of(f["profile_id"]) for f in facts],
        "session_id": [f["session_id"] for f in facts],
        "title_id": [f["title_id"] for f in facts],
        "episode_id": [f.get("episode_id") for f in facts],
        "country": [f["territory"] for f in facts],
    }


def _session_event(kind: str, model: type[BaseModel], fields: Sequence[str]) -> Converter:
    """A playback event of ``model``: one row of the session's facts and ``fields``."""

    def convert(names: Pseudonyms, events: Sequence[Event]) -> pa.Table:
        payloads = [event.payload for event in events]
        columns = _facts(names, payloads) | {
            name: _values(payloads, name, model) for name in fields
        }
        columns |= {"id": [event.id for event in events], "kind": [kind] * len(events)}
        columns["at"] = [payload["at"] for payload in payloads]
        return table_of_columns(columns)

    return convert


def _telemetry(names: Pseudonyms, events: Sequence[Event]) -> pa.Table:
    """A row per player event, with its session's facts; a table per kind of player event
    (each fills its own columns)."""
    sessions = [event.payload["session"] for event in events]
    facts = _facts(names, sessions) | {
        name: _values(sessions, name, SessionOfAccount)
        for name in ("asset_id", "device", "duration_s")
    }
    by_kind: dict[str, tuple[list[int], list[Payload]]] = {}
    for index, event in enumerate(events):
        for item in event.payload["events"]:
            owners, items = by_kind.setdefault(item["kind"], ([], []))
            owners.append(index)
            items.append(item)
    return pa.concat_tables(
        [
            _player_events(TELEMETRY_MODELS[kind], owners, items, facts)
            for kind, (owners, items) in by_kind.items()
        ]
    )


def _player_events(
    model: type[BaseModel], owners: list[int], items: list[Payload], facts: Columns
) -> pa.Table:
    """Rows of player events of one kind (``model``); ``owners``: the index of each one's
    session in ``facts``."""
    columns = {name: [values[i] for i in owners] for name, values in facts.items()}
    columns |= {
        TELEMETRY_RENAMED.get(name, name): _values(items, name, model)
        for name in model.model_fields
        if name != "id"
    }
    sessions = columns["session_id"]
    columns["id"] = [f"{sid}:{item['id']}" for sid, item in zip(sessions, items, strict=True)]
    return table_of_columns(columns)


def _one_by_one(convert: RowConverter) -> Converter:
    def rows(names: Pseudonyms, events: Sequence[Event]) -> pa.Table:
        return as_table([row for event in events for row in convert(names, event)])

    return rows


def _title(event_type: EventType[Any], kind: str) -> RowConverter:
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


#: Billing's money events, each landed as a ``revenue`` row whose ``reason`` is the event's
#: name without ``billing.`` (``invoice_paid``: money received; ``subscription_started``,
#: ``subscription_renewed``, ``plan_changed``: what was booked; ``subscription_canceled``: the
#: monthly price given up; ``invoice_failed``: a charge that failed).
REVENUE_EVENTS: tuple[EventType[Revenue], ...] = (
    SUBSCRIPTION_STARTED,
    SUBSCRIPTION_RENEWED,
    PLAN_CHANGED,
    SUBSCRIPTION_CANCELED,
    INVOICE_PAID,
    INVOICE_FAILED,
)


def _revenue(event_type: EventType[Revenue]) -> RowConverter:
    reason = event_type.name.removeprefix("billing.")

    def convert(names: Pseudonyms, event: Event) -> Iterator[Row]:
        money = event_type.parse(event)
        yield {
            "id": event.id,
            "kind": "revenue",
            "reason": reason,
            "at": money.at,
            "viewer": names.of(money.account_id),
            "plan": money.plan_id,
            "currency": money.currency,
            "amount": money.amount,
        }

    return convert


CONVERTERS: dict[str, Converter] = {
    SESSION_STARTED.name: _session_event(
        "session_started", PlaybackStarted, ("asset_id", "device")
    ),
    HEARTBEAT.name: _session_event(
        "heartbeat",
        PlaybackHeartbeat,
        ("position_s", "state", "bitrate_kbps", "buffer_s", "dropped_frames"),
    ),
    SESSION_ENDED.name: _session_event("session_ended", PlaybackEnded, ("position_s", "reason")),
    TITLE_PUBLISHED.name: _one_by_one(_title(TITLE_PUBLISHED, "title_published")),
    TITLE_UPDATED.name: _one_by_one(_title(TITLE_UPDATED, "title_updated")),
    TITLE_UNPUBLISHED.name: _one_by_one(_title(TITLE_UNPUBLISHED, "title_unpublished")),
    ASSET_READY.name: _one_by_one(_renditions),
    TELEMETRY_RECEIVED.name: _telemetry,
    ACCOUNT_CREATED.name: _one_by_one(_signup),
    SUBSCRIPTION_CHANGED.name: _one_by_one(_subscription),
    **{event_type.name: _one_by_one(_revenue(event_type)) for event_type in REVENUE_EVENTS},
}
LAKE_EVENTS: tuple[EventType[Any], ...] = (
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
    *REVENUE_EVENTS,
)


def table_of(names: Pseudonyms, events: Sequence[Event]) -> pa.Table:
    """The lake rows of a batch of events, in :data:`SCHEMA`."""
    by_name: dict[str, list[Event]] = {}
    for event in events:
        by_name.setdefault(event.name, []).append(event)
    tables = [CONVERTERS[name](names, group) for name, group in by_name.items()]
    return pa.concat_tables(tables) if tables else SCHEMA.empty_table()
