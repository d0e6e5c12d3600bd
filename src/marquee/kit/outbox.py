"""Transactional outbox: events and jobs are written in the same transaction as the change
that causes them and handed on only after it commits, by a relay thread in every process.

A rolled-back transaction leaves no row, so it sends nothing; a committed row stays until it
has been handed on, so a crash or restart loses nothing (delivery is at least once).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from marquee.kit.db import Base, Database, UTCDateTime, after_commit, utcnow

log = logging.getLogger(__name__)
OUTBOX_SIGNAL_KEY = "marquee.outbox_signal"
MAX_ATTEMPTS = 10


class OutboxEntry(Base):
    __tablename__ = "kit_outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    delivered_at = mapped_column(UTCDateTime(), nullable=True, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    claimed_until = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


def add_entry(session: Session, kind: str, name: str, key: str, payload: dict[str, Any]) -> None:
    """Record an entry in the caller's transaction; the relay is woken after commit."""
    session.add(OutboxEntry(kind=kind, name=name, key=key, payload=payload))
    signal = session.info.get(OUTBOX_SIGNAL_KEY)
    if signal is not None:
        after_commit(session, signal.set)


Handler = Callable[[OutboxEntry], None]


class OutboxRelay:
    """Hands committed entries to the handler of their kind (publish an event, send a job)."""

    def __init__(
        self,
        db: Database,
        handlers: dict[str, Handler],
        *,
        poll_interval_s: float = 1.0,
        claim_s: float = 30.0,
    ) -> None:
        self.db = db
        self.handlers = handlers
        self.poll_interval_s = poll_interval_s
        self.claim = timedelta(seconds=claim_s)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self.signal = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        db.sessions.configure(info={OUTBOX_SIGNAL_KEY: self.signal})

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self.signal.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                while self.relay_once() and not self._stopping.is_set():
                    pass
            except Exception:
                log.exception("outbox relay failed; retrying")
            self.signal.wait(self.poll_interval_s)
            self.signal.clear()

    def relay_once(self, batch: int = 100) -> int:
        """Hand on up to ``batch`` pending entries; returns how many were handed on."""
        delivered = 0
        for entry_id in self._pending_ids(batch):
            if self._claim(entry_id):
                delivered += self._deliver(entry_id)
        return delivered

    def _pending_ids(self, batch: int) -> list[int]:
        now = utcnow()
        with self.db.sessions() as session:
            query = (
                select(OutboxEntry.id)
                .where(OutboxEntry.delivered_at.is_(None))
                .where(or_(OutboxEntry.claimed_until.is_(None), OutboxEntry.claimed_until < now))
                .order_by(OutboxEntry.id)
                .limit(batch)
            )
            return list(session.scalars(query))

    def _claim(self, entry_id: int) -> bool:
        now = utcnow()
        with self.db.transaction() as session:
            result = session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id == entry_id, OutboxEntry.delivered_at.is_(None))
                .where(or_(OutboxEntry.claimed_until.is_(None), OutboxEntry.claimed_until < now))
                .values(claimed_by=self.owner, claimed_until=now + self.claim)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    def _deliver(self, entry_id: int) -> int:
        with self.db.transaction() as session:
            entry = session.get(OutboxEntry, entry_id)
            if entry is None:
                return 0
            try:
                self.handlers[entry.kind](entry)
            except Exception as exc:
                self._record_failure(entry, exc)
                return 0
            entry.delivered_at = utcnow()
            entry.claimed_until = None
            return 1

    def _record_failure(self, entry: OutboxEntry, exc: Exception) -> None:
        entry.attempts += 1
        entry.last_error = f"{type(exc).__name__}: {exc}"
        backoff = timedelta(seconds=min(2**entry.attempts, 300))
        entry.claimed_until = utcnow() + backoff
        if entry.attempts >= MAX_ATTEMPTS:
            entry.delivered_at = utcnow()
            log.error("outbox entry %s (%s) given up: %s", entry.id, entry.name, entry.last_error)
        else:
            log.warning("outbox entry %s (%s) failed: %s", entry.id, entry.name, entry.last_error)
