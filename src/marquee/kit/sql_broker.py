"""A Dramatiq broker on a SQL database: the embedded queue that needs no server.

Messages are rows. A consumer leases a row for ``lease_s`` seconds and keeps renewing the lease
while the job runs; a worker that dies (even by SIGKILL) stops renewing, the lease runs out and
another worker takes the message again. Acknowledging deletes the row; a rejected message moves
to the queue's dead-letter name (``queue.XQ``). SQLite (WAL) is the default; PostgreSQL and
MariaDB work too, so several machines can share one queue before moving to Redis or RabbitMQ.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterable
from typing import Any

import dramatiq
from dramatiq.broker import Consumer, MessageProxy
from dramatiq.common import current_millis, dq_name, xq_name
from sqlalchemy import BigInteger, Column, MetaData, String, Table, Text, and_, delete, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from marquee.kit.db import create_db_engine

metadata = MetaData()
messages = Table(
    "kit_queue_messages",
    metadata,
    Column("queue_name", String(128), primary_key=True),
    Column("message_id", String(64), primary_key=True),
    Column("body", Text, nullable=False),
    Column("enqueued_ms", BigInteger, nullable=False, index=True),
    Column("lease_owner", String(128), nullable=True),
    Column("lease_until_ms", BigInteger, nullable=True),
)


class SQLBroker(dramatiq.Broker):
    def __init__(self, url: str, *, lease_s: float = 30.0, middleware: Any = None) -> None:
        super().__init__(middleware=middleware)
        self.engine: Engine = create_db_engine(url)
        self.lease_ms = int(lease_s * 1000)
        metadata.create_all(self.engine, checkfirst=True)

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 30000) -> Consumer:
        return SQLConsumer(self, queue_name, prefetch, timeout)

    def declare_queue(self, queue_name: str) -> None:
        if queue_name in self.queues:
            return
        self.emit_before("declare_queue", queue_name)
        self.queues[queue_name] = None
        self.emit_after("declare_queue", queue_name)
        delayed = dq_name(queue_name)
        self.delay_queues.add(delayed)
        self.emit_after("declare_delay_queue", delayed)

    def enqueue(
        self, message: dramatiq.Message[Any], *, delay: int | None = None
    ) -> dramatiq.Message[Any]:
        self.declare_queue(message.queue_name)
        queue_name = message.queue_name
        if delay is not None:
            queue_name = dq_name(queue_name)
            message = message.copy(
                queue_name=queue_name, options={**message.options, "eta": current_millis() + delay}
            )
        self.emit_before("enqueue", message, delay)
        row = {
            "queue_name": queue_name,
            "message_id": message.message_id,
            "body": message.encode().decode(),
            "enqueued_ms": current_millis(),
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(messages.insert().values(**row))
        except IntegrityError:
            pass
        self.emit_after("enqueue", message, delay)
        return message

    def get_declared_queues(self) -> set[str]:
        return set(self.queues)

    def get_declared_delay_queues(self) -> set[str]:
        return set(self.delay_queues)

    def flush(self, queue_name: str) -> None:
        with self.engine.begin() as connection:
            for name in (queue_name, dq_name(queue_name), xq_name(queue_name)):
                connection.execute(delete(messages).where(messages.c.queue_name == name))

    def flush_all(self) -> None:
        for queue_name in list(self.queues):
            self.flush(queue_name)

    def pending(self, queue_name: str) -> int:
        """Messages waiting or running in the queue (and its delay queue)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(messages.c.message_id).where(
                    messages.c.queue_name.in_([queue_name, dq_name(queue_name)])
                )
            )
            return len(rows.all())

    def join(self, queue_name: str, *, timeout: int | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout / 1000
        while self.pending(queue_name):
            if deadline is not None and time.monotonic() > deadline:
                raise dramatiq.errors.QueueJoinTimeout(queue_name)  # type: ignore[no-untyped-call]
            time.sleep(0.1)

    def close(self) -> None:
        self.engine.dispose()


class SQLConsumer(Consumer):
    def __init__(self, broker: SQLBroker, queue_name: str, prefetch: int, timeout: int) -> None:
        self.broker = broker
        self.queue_name = queue_name
        self.prefetch = prefetch
        self.timeout_ms = timeout
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.in_flight: set[str] = set()
        self.buffer: list[dramatiq.Message[Any]] = []
        self.last_renewal_ms = 0
        self.idle_sleep_s = 0.05

    def __next__(self) -> MessageProxy | None:
        self._renew_leases()
        if not self.buffer and len(self.in_flight) < self.prefetch:
            self.buffer = self._lease_batch(self.prefetch - len(self.in_flight))
        if self.buffer:
            self.idle_sleep_s = 0.05
            return MessageProxy(self.buffer.pop(0))
        time.sleep(min(self.idle_sleep_s, self.timeout_ms / 1000))
        self.idle_sleep_s = min(self.idle_sleep_s * 2, 0.5)
        return None

    def _lease_batch(self, size: int) -> list[dramatiq.Message[Any]]:
        now = current_millis()
        free = or_(messages.c.lease_until_ms.is_(None), messages.c.lease_until_ms < now)
        with self.broker.engine.begin() as connection:
            candidates = connection.execute(
                select(messages.c.message_id, messages.c.body)
                .where(messages.c.queue_name == self.queue_name, free)
                .order_by(messages.c.enqueued_ms)
                .limit(size)
            ).all()
            leased = []
            for message_id, body in candidates:
                claimed = connection.execute(
                    sql_update(messages)
                    .where(self._row(message_id), free)
                    .values(lease_owner=self.owner, lease_until_ms=now + self.broker.lease_ms)
                )
                if claimed.rowcount == 1:
                    self.in_flight.add(message_id)
                    leased.append(dramatiq.Message.decode(body.encode()))
        return leased

    def _renew_leases(self) -> None:
        now = current_millis()
        if not self.in_flight or now - self.last_renewal_ms < self.broker.lease_ms // 3:
            return
        with self.broker.engine.begin() as connection:
            connection.execute(
                sql_update(messages)
                .where(
                    messages.c.queue_name == self.queue_name,
                    messages.c.message_id.in_(self.in_flight),
                    messages.c.lease_owner == self.owner,
                )
                .values(lease_until_ms=now + self.broker.lease_ms)
            )
        self.last_renewal_ms = now

    def _row(self, message_id: str) -> Any:
        return and_(messages.c.queue_name == self.queue_name, messages.c.message_id == message_id)

    def ack(self, message: MessageProxy) -> None:
        with self.broker.engine.begin() as connection:
            connection.execute(delete(messages).where(self._row(message.message_id)))
        self.in_flight.discard(message.message_id)

    def nack(self, message: MessageProxy) -> None:
        with self.broker.engine.begin() as connection:
            connection.execute(delete(messages).where(self._row(message.message_id)))
            connection.execute(
                messages.insert().values(
                    queue_name=xq_name(self.queue_name),
                    message_id=message.message_id,
                    body=message._message.encode().decode(),
                    enqueued_ms=current_millis(),
                )
            )
        self.in_flight.discard(message.message_id)

    def requeue(self, messages_: Iterable[MessageProxy]) -> None:
        ids = [m.message_id for m in messages_]
        if not ids:
            return
        with self.broker.engine.begin() as connection:
            connection.execute(
                sql_update(messages)
                .where(messages.c.queue_name == self.queue_name, messages.c.message_id.in_(ids))
                .values(lease_owner=None, lease_until_ms=None)
            )
        self.in_flight.difference_update(ids)

    def close(self) -> None:
        self.requeue(MessageProxy(m) for m in self.buffer)
        self.buffer = []
