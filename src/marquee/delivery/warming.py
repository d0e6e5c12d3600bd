"""Cache warming: fetch objects through an edge so that its cache holds them before viewers ask.

Going through the edge's normal path (with a token of its own) means warming needs no edge API,
works the same for Python and nginx edges, and the edge's ``X-Cache`` answer tells which
objects were already there (the hit ratio before) and which are there now (after).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import httpx

from marquee.delivery.schemas import WarmReport
from marquee.kit.storage import ObjectInfo


def within_budget(objects: Iterable[ObjectInfo], budget_bytes: int) -> tuple[list[ObjectInfo], int]:
    """The objects to push, in the given (popularity) order, that fit the byte budget, and how
    many did not fit."""
    chosen: list[ObjectInfo] = []
    used = skipped = 0
    for info in objects:
        if used + info.size > budget_bytes:
            skipped += 1
            continue
        chosen.append(info)
        used += info.size
    return chosen, skipped


def warm_edge(
    edge_name: str,
    edge_url: str,
    objects: list[ObjectInfo],
    skipped: int,
    signed: Callable[[str], str],
    client: httpx.Client,
) -> WarmReport:
    """Push ``objects`` (``signed(key)`` is a token path for one) into one edge."""
    hits_before = pushed = 0
    for info in objects:
        with client.stream("GET", f"{edge_url}{signed(info.key)}") as response:
            for _ in response.iter_raw():
                pass
            hits_before += response.headers.get("x-cache") == "HIT"
            pushed += info.size if response.status_code == 200 else 0
    hits_after = sum(
        client.head(f"{edge_url}{signed(info.key)}").headers.get("x-cache") == "HIT"
        for info in objects
    )
    total = max(len(objects), 1)
    return WarmReport(
        edge=edge_name,
        objects=len(objects),
        bytes=pushed,
        skipped=skipped,
        hit_ratio_before=hits_before / total,
        hit_ratio_after=hits_after / total,
    )
