"""Domain events: ``publish`` records an event in the caller's transaction (outbox); after commit
it reaches the subscribers, in this process (embedded default) or through Redis Streams or
NATS JetStream (``MARQUEE_EVENTS_URL``) in every process that subscribes.

Each subscription has a ``group``: across all processes an event is handled once per group.
Handlers must be idempotent: delivery is at least once.

Every event is declared once, by the domain that publishes it, in that domain's ``events``
module: ``declare("catalog.title_published", TitlePublished)`` gives its name and the Pydantic
model of its payload. Publishers hand ``publish`` that declaration and a payload of that model;
subscribers name declarations, never strings, and read payloads with ``EventType.parse``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeAlias, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from marquee.kit.db import Database, utcnow
from marquee.kit.outbox import OutboxEntry, add_entry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    name: str
    payload: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    occurred_at: str = field(default_factory=lambda: utcnow().isoformat())

    def to_json(self) -> str:
        return json.dumps(
            {"id": self.id, "name": self.name, "payload": self.payload, "at": self.occurred_at}
        )

    @classmethod
    def from_json(cls, data: str | bytes) -> Event:
        raw = json.loads(data)
        return cls(name=raw["name"], payload=raw["payload"], id=raw["id"], occurred_at=raw["at"])


P = TypeVar("P", bound=BaseModel)
EVENT_NAME = re.compile(r"[a-z][a-z0-9]*\.[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class EventType(Generic[P]):
    """An event a domain publishes: its name (``domain.verb_past``) and its payload's model."""

    name: str
    payload: type[P]

    def parse(self, event: Event) -> P:
        """The payload of ``event`` (an event of this type) as its model."""
        return self.payload.model_validate(event.payload)


_DECLARED: dict[str, EventType[Any]] = {}
Subscribed: TypeAlias = EventType[Any] | Sequence[EventType[Any]]
"""What a subscription names: one declared event or several."""


def declare(name: str, payload: type[P]) -> EventType[P]:
    """Declare an event; each name once, in the publishing domain's ``events`` module."""
    if not EVENT_NAME.fullmatch(name):
        raise ValueError(f"event name {name!r} is not domain.verb_past")
    known = _DECLARED.get(name)
    if known is not None and known.payload.__qualname__ != payload.__qualname__:
        raise ValueError(f"event {name!r} is declared twice")
    _DECLARED[name] = EventType(name, payload)
    return _DECLARED[name]


def declared() -> dict[str, EventType[Any]]:
    """Every event declared so far, by name (``domains.load_events`` declares them all)."""
    return dict(_DECLARED)


def publish(session: Session, event: EventType[P], payload: P) -> None:
    """Record ``event`` to be delivered once the session commits."""
    if not isinstance(payload, event.payload):
        raise TypeError(f"{event.name} carries a {event.payload.__name__}, not {payload!r}")
    add_entry(session, "event", event.name, uuid.uuid4().hex, payload.model_dump(mode="json"))


Handler = Callable[[Event], None]
BatchHandler = Callable[[Sequence[Event]], None]
"""Handles a batch of events, in the order they were published; raises when it failed."""
Deliver = Callable[[str, Sequence[Event]], None]
"""How a transport hands a group's events to this process: ``EventBus.deliver``."""


@dataclass(frozen=True)
class Subscription:
    group: str
    names: frozenset[str]
    handler: BatchHandler


class Transport(Protocol):
    """Carries events between processes."""

    def send(self, events: Sequence[Event]) -> None:
        """Append ``events`` to the log, in order."""

    def start(self, groups: list[str], deliver: Deliver) -> None: ...

    def stop(self) -> None: ...

    def ping(self) -> None: ...


class EventBus:
    """Subscriptions of this process and the transport that feeds them.

    Events travel in batches (all that the outbox relay or a consumer has at hand): a batch
    subscriber gets the matching events of a batch in one call, so that it can do its work
    once per batch (one transaction, one index commit) instead of once per event.
    """

    def __init__(self, transport: Transport | None = None) -> None:
        self.transport = transport
        self.subscriptions: list[Subscription] = []
        self._lock = threading.Lock()

    def subscribe(self, events: Subscribed, handler: Handler, *, group: str) -> None:
        """Call ``handler`` for each event of ``events`` (one declared event or several)."""

        def each(batch: Sequence[Event]) -> None:
            for event in batch:
                handler(event)

        self.subscribe_batch(events, each, group=group)

    def subscribe_batch(self, events: Subscribed, handler: BatchHandler, *, group: str) -> None:
        """Call ``handler`` once per batch with the batch's events of ``events``.

        ValueError when one of ``events`` is not the declaration of an event some domain
        publishes: a subscriber never waits for an event that nobody sends.
        """
        wanted = [events] if isinstance(events, EventType) else list(events)
        for event in wanted:
            if _DECLARED.get(event.name) != event:
                raise ValueError(f"no domain declares the event {event.name!r}")
        with self._lock:
            names = frozenset(event.name for event in wanted)
            self.subscriptions.append(Subscription(group, names, handler))

    def relay(self, entries: Sequence[OutboxEntry]) -> None:
        """Outbox handler: send the committed events on (transport) or deliver them here."""
        events = [Event(e.name, e.payload, e.key, e.created_at.isoformat()) for e in entries]
        if self.transport is None:
            for group in self._groups():
                self.deliver(group, events)
        else:
            self.transport.send(events)

    def deliver(self, group: str, events: Sequence[Event]) -> None:
        """Run the group's handlers on the events they match; an error propagates for a retry."""
        for subscription in list(self.subscriptions):
            if subscription.group == group:
                matching = [event for event in events if event.name in subscription.names]
                if matching:
                    subscription.handler(matching)

    def start(self) -> None:
        if self.transport is not None:
            self.transport.start(self._groups(), self.deliver)

    def stop(self) -> None:
        if self.transport is not None:
            self.transport.stop()

    def ping(self) -> None:
        """Raise if the transport cannot be reached (in-process delivery always can)."""
        if self.transport is not None:
            self.transport.ping()

    def _groups(self) -> list[str]:
        return sorted({s.group for s in self.subscriptions})


def in_transaction(
    db: Database, event_type: EventType[P], handle: Callable[[Session, P], None]
) -> Handler:
    """A handler of ``event_type`` running ``handle(session, payload)`` in a transaction of its
    own."""

    def handler(event: Event) -> None:
        payload = event_type.parse(event)
        with db.transaction() as session:
            handle(session, payload)

    return handler


def open_transport(url: str) -> Transport | None:
    """None for in-process delivery, else the transport for ``redis://`` or ``nats://``."""
    if not url:
        return None
    if url.startswith(("redis://", "rediss://")):
        from marquee.kit.event_transports import RedisStreamsTransport

        return RedisStreamsTransport(url)
    if url.startswith("nats://"):
        from marquee.kit.event_transports import NatsJetStreamTransport

        return NatsJetStreamTransport(url)
    raise ValueError(f"MARQUEE_EVENTS_URL: unsupported scheme in {url!r}")
