"""Cache warming: fetch objects through an edge so that its cache holds them before viewers ask.

Going through the edge's normal path (with a token of its own) means warming needs no edge API,
works the same for Python and nginx edges, and the edge's ``X-Cache`` answer tells which
objects were already there (the hit ratio before) and which are there now (after).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from datetime import time as clock_time

import httpx

from marquee.delivery.schemas import WarmReport
from marquee.kit.storage import ObjectInfo


def parse_window(window: str) -> tuple[clock_time, clock_time]:
    """``"01:00-05:00"`` as its start and end times of day (UTC)."""
    start, _, end = window.partition("-")
    return clock_time.fromisoformat(start), clock_time.fromisoformat(end)


def in_window(window: str, now: datetime) -> bool:
    """Is ``now`` (UTC) inside the daily window? A window may pass midnight (``22:00-04:00``);
    the start is inside it, the end is not."""
    start, end = parse_window(window)
    at = now.time().replace(tzinfo=None)
    if start <= end:
        return start <= at < end
    return at >= start or at < end


class Pacer:
    """Holds a push to ``rate`` bytes per second: each chunk books ``size / rate`` seconds of
    the pipe and waits until its turn. Idle time earns at most ``burst_s`` of credit, so a
    stall (a slow origin) is not made up for by a burst past the cap."""

    def __init__(
        self,
        rate: float,
        *,
        burst_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.burst_s = burst_s
        self.clock = clock
        self.sleep = sleep
        self.free_at = clock()

    def spend(self, size: int) -> None:
        now = self.clock()
        self.free_at = max(self.free_at, now - self.burst_s) + size / self.rate
        if self.free_at > now:
            self.sleep(self.free_at - now)


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
    *,
    pacer: Pacer | None = None,
    allowed: Callable[[], bool] = lambda: True,
) -> WarmReport:
    """Push ``objects`` (``signed(key)`` is a token path for one) into one edge, paced by
    ``pacer``; when ``allowed()`` turns false (the off-peak window closed) the rest is skipped."""
    hits_before = pushed = 0
    sent: list[ObjectInfo] = []
    assets: list[str] = []
    for info in objects:
        if not allowed():
            break
        with client.stream("GET", f"{edge_url}{signed(info.key)}") as response:
            for chunk in response.iter_raw():
                if pacer is not None:
                    pacer.spend(len(chunk))
            hits_before += response.headers.get("x-cache") == "HIT"
            pushed += info.size if response.status_code == 200 else 0
        sent.append(info)
        asset_id = info.key.removeprefix("assets/").partition("/")[0]
        if asset_id not in assets:
            assets.append(asset_id)
    hits_after = sum(
        client.head(f"{edge_url}{signed(info.key)}").headers.get("x-cache") == "HIT"
        for info in sent
    )
    total = max(len(sent), 1)
    return WarmReport(
        edge=edge_name,
        objects=len(sent),
        bytes=pushed,
        skipped=skipped + len(objects) - len(sent),
        hit_ratio_before=hits_before / total,
        hit_ratio_after=hits_after / total,
        assets=assets,
    )
