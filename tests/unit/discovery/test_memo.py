"""The node's memos: computed once per key until they expire or are cleared."""

from __future__ import annotations

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
