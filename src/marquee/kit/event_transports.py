"""Event transports between processes: Redis Streams and NATS JetStream.

Both keep the events in one durable log and give every subscription group its own cursor over
it (a Redis consumer group, a JetStream durable consumer): the processes of a group share the
group's events, and an event is acknowledged only after ``deliver`` returned, so a failed
handler or a crashed process gets it again later (at least once). A group reads from the end
of the log as it stands when the group is first created, never older events. See
docs/decisions/0004-event-transports.md.
"""

from __future__ import annotations

import abc
import asyncio
import hashlib
import logging
import os
import re
import socket
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

from marquee.kit.batch import handle_batch
from marquee.kit.events import Deliver, Event

log = logging.getLogger(__name__)

T = TypeVar("T")
M = TypeVar("M")

POLL_SECONDS = 1.0
"""How long a consumer waits for new events; it bounds how long ``stop()`` takes."""
ERROR_PAUSE_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 3.0
REQUEST_TIMEOUT_SECONDS = 5.0
BATCH = 500
DRAIN_SECONDS = 0.05
"""How long a NATS consumer that just got a message waits for more to fill its batch."""
MAX_EVENTS = 1_000_000
"""Events kept in the log (the oldest are trimmed); far more than any consumer falls behind."""


def _pop_query_option(url: str, name: str) -> tuple[str, str | None]:
    """``url`` without the query option ``name`` (the client would reject it), and its value."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    value = next((v for k, v in query if k == name), None)
    rest = urlencode([(k, v) for k, v in query if k != name])
    return urlunsplit(parts._replace(query=rest)), value


def _handle(
    group: str, deliver: Deliver, messages: Sequence[M], data: Callable[[M], str | bytes]
) -> list[M]:
    """Deliver a batch of messages; the ones that must come again (their handler raised).

    A message that is not an event can never succeed: it is logged and counts as handled.
    """
    events: list[tuple[M, Event]] = []
    for message in messages:
        try:
            events.append((message, Event.from_json(data(message))))
        except (ValueError, KeyError, TypeError):
            log.exception("events: dropping a malformed message in group %s: %r", group, message)
    failures = handle_batch(
        events, lambda batch: deliver(group, [event for _, event in batch]), what=f"events {group}"
    )
    for (_, event), exc in failures:
        log.error(
            "events: %s %s failed in group %s, will come again",
            *(event.name, event.id, group),
            exc_info=exc,
        )
    return [message for (message, _), _ in failures]


class _ConsumerThreads(abc.ABC):
    """One consumer thread per subscription group, polling until ``stop()``."""

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, groups: list[str], deliver: Deliver) -> None:
        """Create the groups (so events sent from now on reach them), then consume them."""
        for group in groups:
            self._join(group)
        for group in groups:
            thread = threading.Thread(
                target=self._consume, args=(group, deliver), name=f"events:{group}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=POLL_SECONDS + REQUEST_TIMEOUT_SECONDS)
        self._threads.clear()
        self._close()

    def _consume(self, group: str, deliver: Deliver) -> None:
        while not self._stopping.is_set():
            try:
                self._poll(group, deliver)
            except Exception:
                log.exception("events: consuming group %s failed, retrying", group)
                self._stopping.wait(ERROR_PAUSE_SECONDS)

    @abc.abstractmethod
    def _join(self, group: str) -> None:
        """Create the group at the end of the log if it does not exist yet."""

    @abc.abstractmethod
    def _poll(self, group: str, deliver: Deliver) -> None:
        """Wait up to ``POLL_SECONDS`` for messages, deliver and acknowledge them."""

    @abc.abstractmethod
    def _close(self) -> None: ...


class RedisStreamsTransport(_ConsumerThreads):
    """Events on one Redis stream; a subscription group is a Redis consumer group.

    URL: ``redis://host:6379/0?stream=marquee.events``. A message left unacknowledged for
    ``reclaim_idle`` seconds (its handler failed, or its process died) is claimed by whichever
    consumer of the group polls next, and delivered again.
    """

    def __init__(self, url: str, *, reclaim_idle: float = 30.0) -> None:
        super().__init__()
        url, stream = _pop_query_option(url, "stream")
        self.stream = stream or "marquee.events"
        self._redis = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=POLL_SECONDS + REQUEST_TIMEOUT_SECONDS,
            health_check_interval=30,
        )
        self._consumer = f"{socket.gethostname()}:{os.getpid()}"
        self._reclaim_idle_ms = int(reclaim_idle * 1000)
        self._reclaim_from: dict[str, str] = {}

    def send(self, events: Sequence[Event]) -> None:
        pipeline = self._redis.pipeline(transaction=False)
        for event in events:
            pipeline.xadd(
                self.stream, {"event": event.to_json()}, maxlen=MAX_EVENTS, approximate=True
            )
        pipeline.execute()

    def ping(self) -> None:
        self._redis.ping()

    def _join(self, group: str) -> None:
        try:
            self._redis.xgroup_create(self.stream, group, id="$", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _poll(self, group: str, deliver: Deliver) -> None:
        messages = self._reclaim(group) or self._read(group)
        # fields is None for an entry trimmed away while it was pending (Redis 6.2).
        again = _handle(group, deliver, messages, lambda m: (m[1] or {}).get("event", ""))
        retry = {message_id for message_id, _ in again}
        done = [message_id for message_id, _ in messages if message_id not in retry]
        if done:
            self._redis.xack(self.stream, group, *done)  # type: ignore[no-untyped-call]

    def _reclaim(self, group: str) -> list[tuple[str, dict[str, str] | None]]:
        """Take over the group's messages left unacknowledged for too long, a page per poll."""
        next_id, messages, *_ = self._redis.xautoclaim(
            self.stream,
            group,
            self._consumer,
            min_idle_time=self._reclaim_idle_ms,
            start_id=self._reclaim_from.get(group, "0-0"),
            count=BATCH,
        )
        self._reclaim_from[group] = next_id
        return list(messages)

    def _read(self, group: str) -> list[tuple[str, dict[str, str] | None]]:
        response = self._redis.xreadgroup(
            group, self._consumer, {self.stream: ">"}, count=BATCH, block=int(POLL_SECONDS * 1000)
        )
        return list(response[0][1]) if response else []

    def _close(self) -> None:
        self._redis.close()


def durable_name(group: str) -> str:
    """The JetStream consumer name of ``group``: letters, digits, ``-`` and ``_`` only.

    A group that needs replacing gets a digest of its name appended, so that groups such as
    ``search.index`` and ``search_index`` stay apart.
    """
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", group)
    if safe == group:
        return group
    return f"{safe}-{hashlib.sha256(group.encode()).hexdigest()[:8]}"


class NatsJetStreamTransport(_ConsumerThreads):
    """Events in a JetStream stream; a subscription group is a durable pull consumer.

    URL: ``nats://host:4222?stream=MARQUEE_EVENTS``. The stream's subjects are its name in lower
    case with ``.`` for ``_`` (``marquee.events.>``); an event goes to ``<that>.<event name>``.
    A message not acknowledged within ``ack_wait`` seconds is delivered again; a failed one is
    delivered again after ``ack_wait`` too.

    nats-py is asyncio: its client lives on an event loop in a thread of its own, and the
    synchronous methods submit coroutines to it.
    """

    def __init__(
        self, url: str, *, ack_wait: float = 30.0, connect_timeout: float = CONNECT_TIMEOUT_SECONDS
    ) -> None:
        super().__init__()
        self._server, stream = _pop_query_option(url, "stream")
        self.stream = stream or "MARQUEE_EVENTS"
        self.subjects = self.stream.lower().replace("_", ".")
        self._ack_wait = ack_wait
        self._connect_timeout = connect_timeout
        self._client: Client | None = None
        self._connecting = asyncio.Lock()
        self._subscriptions: dict[str, JetStreamContext.PullSubscription] = {}
        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(
            target=self._loop.run_forever, name="events:nats", daemon=True
        )
        self._loop_thread.start()

    def send(self, events: Sequence[Event]) -> None:
        self._call(self._publish(events))

    def ping(self) -> None:
        self._call(self._ping())

    def _join(self, group: str) -> None:
        self._subscriptions[group] = self._call(self._subscribe(group))

    def _poll(self, group: str, deliver: Deliver) -> None:
        """Wait for one message, then take what else is waiting without waiting again.

        A single ``fetch(BATCH, timeout)`` would not do: once its first message arrives,
        nats-py keeps collecting until the batch is full or the timeout has passed, so a
        message could sit unhandled for up to ``POLL_SECONDS``, long enough for a short
        ``ack_wait`` to deliver it a second time to another process of the group.
        """
        subscription = self._subscriptions[group]
        messages = self._fetch(subscription, 1, POLL_SECONDS)
        if messages:
            messages += self._fetch(subscription, BATCH - 1, DRAIN_SECONDS)
        if messages:
            again = _handle(group, deliver, messages, lambda message: message.data)
            self._call(self._settle(messages, again))

    async def _settle(self, messages: list[Msg], again: list[Msg]) -> None:
        """Acknowledge the handled messages and ask for the others again later, concurrently."""
        await asyncio.gather(
            *(
                message.nak(delay=self._ack_wait) if message in again else message.ack()
                for message in messages
            )
        )

    def _fetch(
        self, subscription: JetStreamContext.PullSubscription, batch: int, timeout: float
    ) -> list[Msg]:
        try:
            return self._call(subscription.fetch(batch, timeout=timeout))
        except NatsTimeoutError:
            return []

    def _close(self) -> None:
        if self._loop.is_closed():
            return
        self._call(self._disconnect())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._loop_thread.join(timeout=REQUEST_TIMEOUT_SECONDS)
        self._loop.close()

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the client's loop and wait for its result."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            # Long enough for a first connection, the stream's creation and the request itself.
            return future.result(timeout=self._connect_timeout + 2 * REQUEST_TIMEOUT_SECONDS)
        except TimeoutError:
            future.cancel()
            raise

    async def _jetstream(self) -> JetStreamContext:
        """The JetStream context, connecting and creating the stream the first time."""
        async with self._connecting:
            if self._client is None:
                self._client = await self._connect()
        return self._client.jetstream(timeout=REQUEST_TIMEOUT_SECONDS)

    async def _connect(self) -> Client:
        """A connected client: the first connection is bounded, later reconnections are not."""
        client = Client()
        try:
            await asyncio.wait_for(
                client.connect(
                    self._server,
                    error_cb=_log_nats_error,
                    connect_timeout=max(1, round(self._connect_timeout)),
                    reconnect_time_wait=1,
                    max_reconnect_attempts=-1,
                ),
                self._connect_timeout,
            )
            await self._ensure_stream(client.jetstream(timeout=REQUEST_TIMEOUT_SECONDS))
        except BaseException as exc:
            await client.close()
            if isinstance(exc, TimeoutError):
                raise ConnectionError(f"NATS unreachable: {client.last_error}") from exc
            raise
        return client

    async def _ensure_stream(self, jetstream: JetStreamContext) -> None:
        config = StreamConfig(
            name=self.stream,
            subjects=[f"{self.subjects}.>"],
            storage=StorageType.FILE,
            max_msgs=MAX_EVENTS,
        )
        try:
            await jetstream.add_stream(config)
        except BadRequestError as exc:
            if exc.err_code != 10058:  # exists with another configuration
                raise
            await jetstream.update_stream(config)

    async def _publish(self, events: Sequence[Event]) -> None:
        """Publish the batch on the one connection, in order, and await the acknowledgements
        together rather than one round trip per event."""
        jetstream = await self._jetstream()
        # The message id lets JetStream drop a copy resent by the outbox after a lost ack.
        await asyncio.gather(
            *(
                jetstream.publish(
                    f"{self.subjects}.{event.name}",
                    event.to_json().encode(),
                    headers={"Nats-Msg-Id": event.id},
                )
                for event in events
            )
        )

    async def _ping(self) -> None:
        jetstream = await self._jetstream()
        await jetstream.account_info()

    async def _subscribe(self, group: str) -> JetStreamContext.PullSubscription:
        jetstream = await self._jetstream()
        config = ConsumerConfig(
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self._ack_wait,
            deliver_policy=DeliverPolicy.NEW,
        )
        # Creates the durable consumer unless it exists (then its settings are kept).
        return await jetstream.pull_subscribe(
            f"{self.subjects}.>", durable=durable_name(group), stream=self.stream, config=config
        )

    async def _disconnect(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


async def _log_nats_error(error: Exception) -> None:
    log.warning("events: NATS: %r", error)
