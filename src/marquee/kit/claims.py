"""Claims: work that one process at a time may do, held with a lease that its holder renews.

A message can reach two workers at once (a broker connection closed under a running job puts
its message back in the queue while the first worker carries on), and a job may not run twice
at once (two encodes of one rendition writing the same objects). Before it starts, the job
claims its work: a ``kit_claims`` row naming the holder and when its lease ends. Taking it is
one conditional write (an UPDATE whose WHERE requires the lease to have run out, or an INSERT
that the primary key keeps single), so two takers never both succeed. While the work runs, a
heartbeat thread renews the lease; a holder that dies stops renewing, and its claim can be
taken once the lease has run out. A holder that finds its claim taken (it stalled past its
lease) learns it from :attr:`Claim.lost` and should stop. Leases are compared with each
process's clock, as the outbox's are: keep the machines' clocks in step (NTP).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import String, delete, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from marquee.kit.db import Base, Database, UTCDateTime, utcnow

log = logging.getLogger(__name__)


class ClaimRow(Base):
    __tablename__ = "kit_claims"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Claim:
    """A claim this process holds on ``key``, renewed every third of its lease."""

    def __init__(self, db: Database, key: str, holder: str, lease_s: float) -> None:
        self.db, self.key, self.holder, self.lease_s = db, key, holder, lease_s
        #: Set when a renewal found the claim taken by another holder.
        self.lost = threading.Event()
        self._done = threading.Event()
        self._heartbeat = threading.Thread(target=self._renew, name=f"claim {key}", daemon=True)

    def _renew(self) -> None:
        while not self._done.wait(self.lease_s / 3):
            try:
                if not _extend(self.db, self.key, self.holder, self.lease_s):
                    log.warning("claim %s was taken by another holder", self.key)
                    self.lost.set()
                    return
            except Exception:  # the database is away: try again at the next beat
                log.exception("could not renew the claim %s", self.key)

    def start(self) -> None:
        self._heartbeat.start()

    def release(self) -> None:
        """Stop renewing and give the claim up (left to expire if the database is away)."""
        self._done.set()
        self._heartbeat.join()
        try:
            with self.db.transaction() as session:
                mine = (ClaimRow.key == self.key, ClaimRow.holder == self.holder)
                session.execute(delete(ClaimRow).where(*mine))
        except Exception:
            log.exception("could not give up the claim %s; it expires by itself", self.key)


class Held(Exception):
    """Another holder has the claim; its lease runs out in ``remaining_s`` at the latest."""

    def __init__(self, key: str, remaining_s: float) -> None:
        super().__init__(f"{key} is claimed by another worker for {remaining_s:.0f} s more")
        self.remaining_s = remaining_s


@contextmanager
def claimed(db: Database, key: str, *, lease_s: float) -> Iterator[Claim]:
    """Hold ``key`` while the block runs, renewing its lease, and give it up after; raise
    :class:`Held` at once when another holder has it."""
    claim = Claim(db, key, uuid.uuid4().hex, lease_s)
    remaining_s = _take(db, key, claim.holder, lease_s)
    if remaining_s is not None:
        raise Held(key, remaining_s)
    claim.start()
    try:
        yield claim
    finally:
        claim.release()


def _take(db: Database, key: str, holder: str, lease_s: float) -> float | None:
    """None when ``holder`` now has ``key``; else the seconds left on the other's lease."""
    now = utcnow()
    until = now + timedelta(seconds=lease_s)
    with db.transaction() as session:
        result = session.execute(
            update(ClaimRow)
            .where(ClaimRow.key == key, or_(ClaimRow.expires_at <= now, ClaimRow.holder == holder))
            .values(holder=holder, expires_at=until)
        )
        if _count(result) == 1:
            return None
        held_until = session.scalar(select(ClaimRow.expires_at).where(ClaimRow.key == key))
    if held_until is not None:
        return max((held_until - now).total_seconds(), 0.0)
    try:
        with db.transaction() as session:
            session.add(ClaimRow(key=key, holder=holder, expires_at=until))
    except IntegrityError:  # taken by another at the same moment
        return lease_s
    return None


def _extend(db: Database, key: str, holder: str, lease_s: float) -> bool:
    with db.transaction() as session:
        result = session.execute(
            update(ClaimRow)
            .where(ClaimRow.key == key, ClaimRow.holder == holder)
            .values(expires_at=utcnow() + timedelta(seconds=lease_s))
        )
        return _count(result) == 1


def _count(result: object) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
