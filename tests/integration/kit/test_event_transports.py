"""One contract for both event transports, Redis Streams and NATS JetStream, on real servers.

Every test has a stream of its own (``?stream=``), deleted afterwards.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

import nats
import pytest
import redis

from marquee.kit.event_transports import NatsJetStreamTransport, RedisStreamsTransport
from marquee.kit.events import Event, Transport
from tests.services import NATS_URL, REDIS_URL, need

pytestmark = pytest.mark.integration

REDELIVER_AFTER = 1.0
"""The short reclaim idle time (Redis) and ack wait (NATS) of these tests, in seconds."""

MakeTransport = Callable[[], Transport]


class Received:
    """What a ``deliver`` callback was given, safe to call from consumer threads."""

    def __init__(self, fail_first: int = 0) -> None:
        self.calls: list[tuple[str, str]] = []
        self._failures_left = fail_first
        self._lock = threading.Lock()

    def __call__(self, group: str, events: Sequence[Event]) -> None:
        with self._lock:
            self.calls += [(group, event.id) for event in events]
            if self._failures_left:
                self._failures_left -= 1
                raise RuntimeError("handler failed")

    def counts(self) -> Counter[tuple[str, str]]:
        with self._lock:
            return Counter(self.calls)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def delete_nats_stream(name: str) -> None:
    async def delete() -> None:
        client = await nats.connect(NATS_URL)
        try:
            await client.jetstream().delete_stream(name)
        finally:
            await client.close()

    asyncio.run(delete())


@pytest.fixture(params=["redis", "nats"])
def make_transport(request: pytest.FixtureRequest) -> Iterator[MakeTransport]:
    """Opens transports ("processes") on one stream of this test's own; stops them after."""
    need(request.param)
    suffix = uuid.uuid4().hex[:12]
    opened: list[Transport] = []

    def make() -> Transport:
        transport: Transport
        if request.param == "redis":
            url = f"{REDIS_URL}?stream=test.events.{suffix}"
            transport = RedisStreamsTransport(url, reclaim_idle=REDELIVER_AFTER)
        else:
            url = f"{NATS_URL}?stream=TEST_EVENTS_{suffix}"
            transport = NatsJetStreamTransport(url, ack_wait=REDELIVER_AFTER)
        opened.append(transport)
        return transport

    yield make
    for transport in opened:
        transport.stop()
    if request.param == "redis":
        redis.Redis.from_url(REDIS_URL).delete(f"test.events.{suffix}")
    elif opened:
        delete_nats_stream(f"TEST_EVENTS_{suffix}")


def test_an_event_reaches_each_group_once(make_transport: MakeTransport) -> None:
    transport = make_transport()
    received = Received()
    transport.start(["search", "history"], received)
    event = Event("catalog.title_published", {"title_id": 7})

    transport.send([event])

    wait_until(lambda: len(received.counts()) == 2)
    time.sleep(REDELIVER_AFTER * 1.5)
    assert received.counts() == {("search", event.id): 1, ("history", event.id): 1}


def test_processes_of_a_group_share_its_events(make_transport: MakeTransport) -> None:
    first, second = make_transport(), make_transport()
    received = Received()
    first.start(["search"], received)
    second.start(["search"], received)
    events = [Event("catalog.title_published", {"n": n}) for n in range(30)]

    first.send(events)

    wait_until(lambda: len(received.counts()) == len(events))
    time.sleep(REDELIVER_AFTER * 1.5)
    assert received.counts() == {("search", event.id): 1 for event in events}


def test_a_failed_event_comes_again_then_is_acknowledged(make_transport: MakeTransport) -> None:
    transport = make_transport()
    received = Received(fail_first=1)
    transport.start(["search"], received)
    event = Event("catalog.title_published", {"title_id": 7})

    transport.send([event])

    wait_until(lambda: received.counts()[("search", event.id)] == 2, timeout=REDELIVER_AFTER + 10)
    time.sleep(REDELIVER_AFTER * 2.5)
    assert received.counts() == {("search", event.id): 2}


def test_one_failing_event_holds_back_no_other(make_transport: MakeTransport) -> None:
    transport = make_transport()
    events = [Event("catalog.title_published", {"n": n}) for n in range(20)]
    poisoned = events[7].id
    handled: Counter[str] = Counter()
    lock = threading.Lock()

    def deliver(group: str, batch: Sequence[Event]) -> None:
        with lock:
            if any(event.id == poisoned for event in batch):
                handled[poisoned] += 1
                raise RuntimeError("this event cannot be handled yet")
            handled.update(event.id for event in batch)

    transport.start(["search"], deliver)
    transport.send(events)

    wait_until(lambda: handled[poisoned] >= 3, timeout=REDELIVER_AFTER * 3 + 10)
    with lock:
        others = {event.id: handled[event.id] for event in events if event.id != poisoned}
    assert set(others.values()) == {1}, "the others are acknowledged once and never come again"


def test_a_new_group_gets_only_the_events_sent_after_it(make_transport: MakeTransport) -> None:
    transport = make_transport()
    before = Event("catalog.title_published", {"n": 1})
    after = Event("catalog.title_published", {"n": 2})
    transport.send([before])
    received = Received()

    transport.start(["late"], received)
    transport.send([after])

    wait_until(lambda: ("late", after.id) in received.counts())
    time.sleep(0.5)
    assert received.counts() == {("late", after.id): 1}


def test_stop_returns_promptly(make_transport: MakeTransport) -> None:
    transport = make_transport()
    transport.start(["search", "history"], Received())
    time.sleep(0.2)

    started = time.monotonic()
    transport.stop()

    assert time.monotonic() - started < 3


def test_ping_passes_on_a_live_server(make_transport: MakeTransport) -> None:
    make_transport().ping()


@pytest.mark.parametrize(
    "transport",
    [
        pytest.param(lambda: RedisStreamsTransport("redis://127.0.0.1:1/0"), id="redis"),
        pytest.param(
            lambda: NatsJetStreamTransport("nats://127.0.0.1:1", connect_timeout=1), id="nats"
        ),
    ],
)
def test_ping_raises_when_the_server_is_unreachable(transport: MakeTransport) -> None:
    closed = transport()
    started = time.monotonic()
    try:
        with pytest.raises((ConnectionError, redis.ConnectionError)):
            closed.ping()
    finally:
        closed.stop()
    assert time.monotonic() - started < 5
