"""The node's memos: computed once per key until they expire or are cleared."""

from __future__ import annotations

import threading
import time

from marquee.discovery.memo import Memo


def test_a_value_is_computed_once_until_cleared() -> None:
    memo: Memo[int] = Memo(ttl_s=60)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert memo.get("k", compute) == 1
    assert memo.get("k", compute) == 1
    memo.clear()
    assert memo.get("k", compute) == 2


def test_a_value_expires() -> None:
    memo: Memo[str] = Memo(ttl_s=0.01)
    memo.get("k", lambda: "old")
    time.sleep(0.02)
    assert memo.get("k", lambda: "new") == "new"


def test_an_expired_value_is_handed_out_while_it_is_computed_again() -> None:
    memo: Memo[str] = Memo(ttl_s=0.01)
    memo.get("k", lambda: "old")
    time.sleep(0.02)
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "new"

    computing = threading.Thread(target=memo.get, args=("k", slow))
    computing.start()
    assert started.wait(5)
    assert memo.get("k", lambda: "other") == "old"  # no wait for the computation
    release.set()
    computing.join(5)
    assert memo.get("k", lambda: "other") == "new"


def test_a_cleared_value_is_waited_for() -> None:
    memo: Memo[str] = Memo(ttl_s=60)
    memo.get("k", lambda: "old")
    memo.clear()
    assert memo.get("k", lambda: "new") == "new"


def test_fresh_hands_out_only_unexpired_values_and_computes_nothing() -> None:
    memo: Memo[str] = Memo(ttl_s=0.05)
    assert memo.fresh("k") is None
    memo.get("k", lambda: "v")
    assert memo.fresh("k") == "v"
    time.sleep(0.06)
    assert memo.fresh("k") is None, "an expired value is computed again on a thread, not here"
