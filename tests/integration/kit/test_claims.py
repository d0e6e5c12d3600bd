"""Claims: one holder at a time, kept alive by its heartbeat, taken again when it dies."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from marquee.kit.claims import ClaimRow, Held, claimed
from marquee.kit.db import Database, utcnow


def new_key() -> str:
    return f"test:{uuid.uuid4().hex}"


def test_a_claim_has_one_holder_until_it_is_given_up(db: Database) -> None:
    key = new_key()
    with claimed(db, key, lease_s=30):
        with pytest.raises(Held) as held, claimed(db, key, lease_s=30):
            pass
        assert 25 < held.value.remaining_s <= 30
    with claimed(db, key, lease_s=30):
        pass


def test_of_two_takers_at_the_same_moment_one_gets_the_claim(db: Database) -> None:
    key, start = new_key(), threading.Barrier(2)
    outcomes: list[str] = []
    may_give_up = threading.Event()

    def take() -> None:
        start.wait()
        try:
            with claimed(db, key, lease_s=30):
                outcomes.append("held")
                may_give_up.wait(10)
        except Held:
            outcomes.append("refused")
            may_give_up.set()

    takers = [threading.Thread(target=take) for _ in range(2)]
    for taker in takers:
        taker.start()
    for taker in takers:
        taker.join()

    assert sorted(outcomes) == ["held", "refused"]


def test_a_dead_holders_claim_is_taken_once_its_lease_has_run_out(db: Database) -> None:
    key = new_key()
    with db.transaction() as session:
        dead = ClaimRow(key=key, holder="killed-worker", expires_at=utcnow() + timedelta(seconds=2))
        session.add(dead)
    with pytest.raises(Held), claimed(db, key, lease_s=30):
        pass
    time.sleep(2.1)

    with claimed(db, key, lease_s=30) as claim:
        assert not claim.lost.is_set()


def test_the_heartbeat_keeps_a_claim_past_its_first_lease(db: Database) -> None:
    key = new_key()
    with claimed(db, key, lease_s=0.6):
        time.sleep(1.5)
        with pytest.raises(Held), claimed(db, key, lease_s=0.6):
            pass


def test_a_holder_learns_that_its_claim_was_taken(db: Database) -> None:
    key = new_key()
    with claimed(db, key, lease_s=0.6) as claim:
        with db.transaction() as session:  # taken while this holder stalled past its lease
            session.execute(update(ClaimRow).where(ClaimRow.key == key).values(holder="other"))

        assert claim.lost.wait(2)
