"""Steering: which edges a player should use, nearest healthy first, then fallbacks.

Edges are registered in settings (``MARQUEE_DELIVERY_EDGES``) and probed on ``/healthz`` by a
background thread of each API process; an edge that fails ``delivery_health_failures`` probes
in a row leaves the lists until it answers again, so a dead edge is gone within
``interval × failures`` seconds. Within a region, edges are ordered by load per capacity (the
``active_requests`` a Python edge reports; nginx edges report none and count as idle).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)
STATES = ("active", "drain", "off")


@dataclass(frozen=True)
class EdgeSpec:
    name: str
    url: str
    region: str
    capacity: float = 1.0
    #: ``active`` gets new sessions; ``drain`` and ``off`` get none.
    state: str = "active"


@dataclass
class _Health:
    healthy: bool = True
    failures: int = 0
    load: float = 0.0


def parse_edges(raw: Iterable[dict[str, str | int]]) -> list[EdgeSpec]:
    """Edges from settings; a bad entry raises ValueError naming it."""
    edges = []
    for entry in raw:
        try:
            edge = EdgeSpec(
                name=str(entry["name"]),
                url=str(entry["url"]).rstrip("/"),
                region=str(entry["region"]),
                capacity=float(entry.get("capacity", 1)),
                state=str(entry.get("state", "active")),
            )
        except (KeyError, ValueError) as exc:
            raise ValueError(f"MARQUEE_DELIVERY_EDGES: bad edge {entry!r} ({exc})") from None
        if edge.state not in STATES or edge.capacity <= 0:
            raise ValueError(f"MARQUEE_DELIVERY_EDGES: bad state or capacity in {entry!r}")
        edges.append(edge)
    return edges


def probe_healthz(timeout_s: float) -> Callable[[EdgeSpec], float]:
    """A probe: GET ``/healthz``, raising unless 200; returns the edge's active requests."""

    def probe(edge: EdgeSpec) -> float:
        response = httpx.get(f"{edge.url}/healthz", timeout=timeout_s)
        response.raise_for_status()
        return float(response.json().get("active_requests", 0))

    return probe


class Steering:
    def __init__(
        self,
        edges: list[EdgeSpec],
        country_regions: dict[str, list[str]],
        probe: Callable[[EdgeSpec], float],
        *,
        interval_s: float = 2.0,
        failures: int = 2,
    ) -> None:
        self.edges = edges
        self.country_regions = country_regions
        self.probe = probe
        self.interval_s = interval_s
        self.failures = failures
        self._health = {edge.name: _Health() for edge in edges}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> None:
        """Probe every edge once (in parallel) and update its health."""
        if not self.edges:
            return
        with ThreadPoolExecutor(max_workers=min(len(self.edges), 16)) as pool:
            for edge, outcome in zip(self.edges, pool.map(self._probe, self.edges), strict=True):
                self._record(edge, outcome)

    def _probe(self, edge: EdgeSpec) -> float | Exception:
        try:
            return self.probe(edge)
        except Exception as exc:  # any failure means "not healthy"; it is logged
            return exc

    def _record(self, edge: EdgeSpec, outcome: float | Exception) -> None:
        health = self._health[edge.name]
        if isinstance(outcome, Exception):
            health.failures += 1
            if health.healthy and health.failures >= self.failures:
                health.healthy = False
                log.warning("edge %s is down: %s", edge.name, outcome)
            return
        if not health.healthy:
            log.info("edge %s is back", edge.name)
        health.healthy, health.failures, health.load = True, 0, outcome

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="edge-health", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.check()
            except RuntimeError:  # the interpreter is shutting down: no new probe threads
                return
            self._stop.wait(self.interval_s)

    def usable(self, region: str | None = None) -> list[EdgeSpec]:
        """Active, healthy edges (of one region when given)."""
        return [
            edge
            for edge in self.edges
            if edge.state == "active"
            and self._health[edge.name].healthy
            and region in (None, edge.region)
        ]

    def order(self, country: str) -> list[EdgeSpec]:
        """Usable edges for a viewer in ``country``: its regions in order, then the rest."""
        regions = self.country_regions.get(country) or self.country_regions.get("*") or []

        def rank(edge: EdgeSpec) -> tuple[int, float, str]:
            nearness = regions.index(edge.region) if edge.region in regions else len(regions)
            return nearness, self._health[edge.name].load / edge.capacity, edge.name

        return sorted(self.usable(), key=rank)
