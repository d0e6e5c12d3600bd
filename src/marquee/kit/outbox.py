"""Transactional outbox: events and jobs are written in the same transaction as the change
that causes them and handed on only after it commits, by a relay thread in every process.

A rolled-back transaction leaves no row, so it sends nothing; a committed row stays until it
has been handed on, so a crash or restart loses nothing (delivery is at least once). Handed-on
rows are kept for ``retention_s`` (``MARQUEE_OUTBOX_RETENTION_S``, to see what was sent), then
the relay deletes them, a batch per short transaction, every ``PURGE_EVERY_S``.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text, delete, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from marquee.kit.batch import handle_batch
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


Handler = Callable[[Sequence[OutboxEntry]], None]
"""Hands on a batch of entries of one kind, in order; raises when any of them failed."""
BATCH = 500
PURGE_BATCH = 1000
PURGE_EVERY_S = 600.0


class OutboxRelay:
    """Hands committed entries to the handler of their kind (publish events, send jobs).

    Entries are claimed, handed on and marked delivered a batch at a time: three short
    transactions per batch whatever its size, and the handlers run outside them. A batch whose
    handler fails is handed on again one entry at a time (``kit.batch``), and each entry that
    fails alone is retried with a backoff of its own.
    """

    def __init__(
        self,
        db: Database,
        handlers: dict[str, Handler],
        *,
        poll_interval_s: float = 1.0,
        claim_s: float = 30.0,
        retention_s: float = 7 * 86400,
    ) -> None:
        self.db = db
        self.handlers = handlers
        self.poll_interval_s = poll_interval_s
        self.claim = timedelta(seconds=claim_s)
        self.retention = timedelta(seconds=retention_s)
        self._next_purge = 0.0
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self.signal = threading.Event()
        self._claims = itertools.count()
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
                self._purge_when_due()
            except Exception:
                log.exception("outbox relay failed; retrying")
            self.signal.wait(self.poll_interval_s)
            self.signal.clear()

    def relay_once(self, batch: int = BATCH) -> int:
        """Hand on up to ``batch`` pending entries; returns how many were handed on."""
        entries = self._claim(batch)
        failures: list[tuple[OutboxEntry, Exception]] = []
        for kind, of_kind in itertools.groupby(entries, key=lambda entry: entry.kind):
            failures += handle_batch(list(of_kind), self.handlers[kind], what=f"outbox {kind}")
        failed = {entry.id for entry, _ in failures}
        delivered = [entry.id for entry in entries if entry.id not in failed]
        self._settle(delivered, failures)
        return len(delivered)

    def _purge_when_due(self) -> None:
        if time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + PURGE_EVERY_S
        purged = self.purge_delivered()
        if purged:
            log.info("outbox: deleted %d entries handed on over %s ago", purged, self.retention)

    def purge_delivered(self, batch: int = PURGE_BATCH) -> int:
        """Delete the entries handed on (or given up) longer than the retention ago, ``batch``
        at a time; returns how many went. Relays of several processes may do it at once: a
        row deleted by one is simply not there for the other."""
        old = OutboxEntry.delivered_at < utcnow() - self.retention
        purged = 0
        while not self._stopping.is_set():
            with self.db.transaction() as session:
                ids = list(session.scalars(select(OutboxEntry.id).where(old).limit(batch)))
                if ids:
                    session.execute(delete(OutboxEntry).where(OutboxEntry.id.in_(ids)))
            purged += len(ids)
            if len(ids) < batch:
                break
        return purged

    def _claim(self, batch: int) -> list[OutboxEntry]:
        """Claim up to ``batch`` pending entries for this relay; they come back in id order."""
        now = utcnow()
        claim = f"{self.owner}:{next(self._claims)}"
        claimable = (
            OutboxEntry.kind.in_(list(self.handlers)),
            OutboxEntry.delivered_at.is_(None),
            or_(OutboxEntry.claimed_until.is_(None), OutboxEntry.claimed_until < now),
        )
        with self.db.transaction() as session:
            ids = list(
                session.scalars(
                    select(OutboxEntry.id).where(*claimable).order_by(OutboxEntry.id).limit(batch)
                )
            )
            if not ids:
                return []
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id.in_(ids), *claimable)
                .values(claimed_by=claim, claimed_until=now + self.claim)
            )
            query = select(OutboxEntry).where(OutboxEntry.id.in_(ids))
            mine = query.where(OutboxEntry.claimed_by == claim).order_by(OutboxEntry.id)
            return list(session.scalars(mine))

    def _settle(self, delivered: list[int], failures: list[tuple[OutboxEntry, Exception]]) -> None:
        if not delivered and not failures:
            return
        now = utcnow()
        with self.db.transaction() as session:
            if delivered:
                session.execute(
                    update(OutboxEntry)
                    .where(OutboxEntry.id.in_(delivered))
                    .values(delivered_at=now, claimed_until=None)
                )
            for entry, exc in failures:
                session.execute(
                    update(OutboxEntry)
                    .where(OutboxEntry.id == entry.id)
                    .values(**_failure(entry, exc, now))
                )


def _failure(entry: OutboxEntry, exc: Exception, now: datetime) -> dict[str, Any]:
    """The columns of an entry whose hand-over failed: retried after a backoff, or given up."""
    attempts = entry.attempts + 1
    error = f"{type(exc).__name__}: {exc}"
    given_up = attempts >= MAX_ATTEMPTS
    if given_up:
        log.error("outbox entry %s (%s) given up: %s", entry.id, entry.name, error)
    else:
        log.warning("outbox entry %s (%s) failed: %s", entry.id, entry.name, error)
    return {
        "attempts": attempts,
        "last_error": error,
        "claimed_until": now + timedelta(seconds=min(2**attempts, 300)),
        "delivered_at": now if given_up else None,
    }
