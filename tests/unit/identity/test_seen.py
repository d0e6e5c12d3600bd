"""A device seen again is noted in the background: its request does not wait for the write."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from itertools import pairwise

from sqlalchemy.orm import sessionmaker

from marquee.identity.sessions import SessionRecord, SessionStore, next_sighting_noted_at
from marquee.kit.cache import MemoryCache


class HeldStore(SessionStore):
    """A store whose writes wait until released, noting the addresses written."""

    def __init__(self) -> None:
        super().__init__(MemoryCache(), sessionmaker(), ttl_s=60)
        self.release = threading.Event()
        self.written: list[str] = []

    def touch(self, record: SessionRecord, ip: str, country: str | None) -> None:
        self.release.wait(5)
        self.written.append(ip)


def _written(store: HeldStore, count: int) -> list[str]:
    deadline = time.monotonic() + 5
    while len(store.written) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return store.written


def test_a_sighting_is_written_once_and_after_the_request() -> None:
    store = HeldStore()
    record = SessionRecord("account", "Firefox on Linux", "127.0.0.1", None)
    started = time.monotonic()

    store.note_seen(record, "127.0.0.2", "FR")
    store.note_seen(record, "127.0.0.3", "FR")  # another request of the session meanwhile

    assert time.monotonic() - started < 1  # neither waited for the held write
    store.release.set()
    assert _written(store, 1) == ["127.0.0.2"]
    time.sleep(0.05)
    assert store.written == ["127.0.0.2"]  # the second sighting was not written again


def test_the_next_sighting_is_written_once_the_last_is() -> None:
    store = HeldStore()
    store.release.set()
    record = SessionRecord("account", "Firefox on Linux", "127.0.0.1", None)

    store.note_seen(record, "127.0.0.2", None)
    assert _written(store, 1) == ["127.0.0.2"]
    deadline = time.monotonic() + 5
    while len(store.written) < 2 and time.monotonic() < deadline:
        store.note_seen(record, "127.0.0.3", None)  # skipped while the first is being written
        time.sleep(0.01)

    assert store.written == ["127.0.0.2", "127.0.0.3"]


def test_sessions_signed_in_together_note_their_devices_over_a_minute_not_at_once() -> None:
    records = [SessionRecord("account", "Firefox on Linux", "127.0.0.1", None) for _ in range(300)]
    for record in records:
        record.last_seen_at = records[0].last_seen_at
    signed_in = datetime.fromisoformat(records[0].last_seen_at)

    due = sorted((next_sighting_noted_at(r) - signed_in).total_seconds() for r in records)

    assert due[0] >= 60
    assert due[-1] < 120
    assert due[-1] - due[0] > 45  # over the minute after the first one
    assert max(later - earlier for earlier, later in pairwise(due)) < 5  # not bunched in it
    assert next_sighting_noted_at(records[7]) == next_sighting_noted_at(records[7])
