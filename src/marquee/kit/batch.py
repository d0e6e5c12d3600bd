"""Handing on work in batches without letting one bad item hold back the rest.

The outbox relay and the event consumers hand on what they have in one call per batch (one
transaction, one index commit, one round trip instead of one per item). When that call fails,
the batch is handed on again one item at a time, so only the items that fail on their own are
retried later; the others are done now. Handlers are idempotent (delivery is at least once), so
an item that the failed batch call had already handled may be handled twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def handle_batch(
    items: Sequence[T], handle: Callable[[Sequence[T]], None], *, what: str
) -> list[tuple[T, Exception]]:
    """Run ``handle`` on all ``items`` at once, else on each alone; the items that failed."""
    if not items:
        return []
    try:
        handle(items)
        return []
    except Exception as exc:
        if len(items) == 1:
            return [(items[0], exc)]
        log.warning(
            "%s: a batch of %d failed (%r); handing them on one by one", what, len(items), exc
        )
    failures: list[tuple[T, Exception]] = []
    for item in items:
        try:
            handle([item])
        except Exception as exc:
            failures.append((item, exc))
    return failures
