"""Events leave only committed transactions, and none is lost across a relay restart."""

from __future__ import annotations

import uuid

import pytest
from pydantic import BaseModel, ConfigDict

from marquee.catalog.events import TitleChanged
from marquee.kit.db import Database
from marquee.kit.events import Event, EventBus, EventType, declare, publish
from marquee.kit.outbox import OutboxRelay
from marquee.media.events import ASSET_FAILED, ASSET_READY


class Note(BaseModel):
    """A test event's payload: whatever the test puts in it."""

    model_config = ConfigDict(extra="allow")


def new_event(kind: str) -> EventType[Note]:
    """An event of this test's own, so that no other test's entries reach its subscribers."""
    return declare(f"test.{kind}_{uuid.uuid4().hex[:8]}", Note)


def _bus_recording(happened: EventType[Note]) -> tuple[EventBus, list[Event]]:
    received: list[Event] = []
    bus = EventBus()
    bus.subscribe(happened, received.append, group="test")
    return bus, received


def _relay_all(relay: OutboxRelay) -> None:
    while relay.relay_once():
        pass


def test_an_event_recorded_in_a_rolled_back_transaction_is_never_delivered(db: Database) -> None:
    happened = new_event("rolled_back")
    bus, received = _bus_recording(happened)
    relay = OutboxRelay(db, {"event": bus.relay})
    with pytest.raises(RuntimeError), db.transaction() as session:
        publish(session, happened, Note(n=1))
        raise RuntimeError("request failed")
    _relay_all(relay)
    assert received == []


def test_a_committed_event_is_delivered_after_the_relay_restarts(db: Database) -> None:
    happened = new_event("committed")
    first_bus, first_received = _bus_recording(happened)
    first = OutboxRelay(db, {"event": first_bus.relay})
    first.start()
    first.stop()
    with db.transaction() as session:
        publish(session, happened, Note(title_id="t1"))
    assert first_received == []

    bus, received = _bus_recording(happened)
    _relay_all(OutboxRelay(db, {"event": bus.relay}))
    assert [(e.name, e.payload) for e in received] == [(happened.name, {"title_id": "t1"})]


def test_a_running_relay_delivers_soon_after_commit(db: Database) -> None:
    happened = new_event("prompt")
    bus, received = _bus_recording(happened)
    delivered = __import__("threading").Event()
    bus.subscribe(happened, lambda _event: delivered.set(), group="waiter")
    relay = OutboxRelay(db, {"event": bus.relay}, poll_interval_s=30)
    relay.start()
    try:
        with db.transaction() as session:
            publish(session, happened, Note())
        assert delivered.wait(5), "the commit should wake the relay, not the 30 s poll"
    finally:
        relay.stop()
    assert len(received) == 1


def test_a_failing_subscriber_gets_the_event_again(db: Database) -> None:
    happened = new_event("retry")
    attempts: list[Event] = []

    def flaky(event: Event) -> None:
        attempts.append(event)
        if len(attempts) == 1:
            raise ConnectionError("search index busy")

    bus = EventBus()
    bus.subscribe(happened, flaky, group="test")
    relay = OutboxRelay(db, {"event": bus.relay}, claim_s=0)
    with db.transaction() as session:
        publish(session, happened, Note())
    _relay_all(relay)
    assert len(attempts) == 1
    _force_retry_now(db)
    _relay_all(relay)
    assert len(attempts) == 2
    assert attempts[0].id == attempts[1].id


def test_a_batch_subscriber_gets_a_relay_pass_in_one_call(db: Database) -> None:
    happened = new_event("batch")
    calls: list[list[int]] = []
    bus = EventBus()
    bus.subscribe_batch(
        happened, lambda events: calls.append([e.payload["n"] for e in events]), group="t"
    )
    with db.transaction() as session:
        for n in range(50):
            publish(session, happened, Note(n=n))
    _relay_all(OutboxRelay(db, {"event": bus.relay}))
    assert calls == [list(range(50))]


def test_a_failing_event_holds_back_no_other_in_its_batch(db: Database) -> None:
    happened = new_event("poison")
    handled: list[int] = []

    def handler(event: Event) -> None:
        if event.payload["n"] == 3:
            raise ValueError("cannot handle this one")
        handled.append(event.payload["n"])

    bus = EventBus()
    bus.subscribe(happened, handler, group="t")
    relay = OutboxRelay(db, {"event": bus.relay}, claim_s=0)
    with db.transaction() as session:
        for n in range(6):
            publish(session, happened, Note(n=n))
    _relay_all(relay)
    assert sorted(set(handled)) == [0, 1, 2, 4, 5]
    handled.clear()
    _force_retry_now(db)
    _relay_all(relay)
    assert handled == [], "only the failed event came again"


def _force_retry_now(db: Database) -> None:
    from sqlalchemy import update

    from marquee.kit.outbox import OutboxEntry

    with db.transaction() as session:
        session.execute(
            update(OutboxEntry).where(OutboxEntry.delivered_at.is_(None)).values(claimed_until=None)
        )


def test_names_and_groups_select_subscribers() -> None:
    bus = EventBus()
    seen: list[str] = []
    bus.subscribe((ASSET_READY, ASSET_FAILED), lambda e: seen.append(f"a:{e.name}"), group="a")
    bus.subscribe(ASSET_READY, lambda e: seen.append(f"b:{e.name}"), group="b")
    bus.deliver("a", [Event("media.asset_ready", {})])
    bus.deliver("b", [Event("catalog.title_published", {})])
    assert seen == ["a:media.asset_ready"]


def test_a_subscriber_cannot_wait_for_an_event_nobody_declares() -> None:
    undeclared = EventType("catalog.title_dubbed", Note)
    with pytest.raises(ValueError, match="no domain declares"):
        EventBus().subscribe(undeclared, lambda _event: None, group="t")


def test_an_event_carries_only_the_payload_it_declares(db: Database) -> None:
    happened = new_event("typed")
    with pytest.raises(TypeError), db.transaction() as session:
        publish(session, happened, TitleChanged(title_id="t1"))  # type: ignore[misc]
