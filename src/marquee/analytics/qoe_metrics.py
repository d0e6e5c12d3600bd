"""Prometheus metrics of playback quality, counted as telemetry arrives and served on the
API's ``/metrics`` beside the request and job metrics: startup time, stalled and played time
(the rebuffering ratio is their quotient in PromQL) and errors, by edge and region.

Labels stay bounded whatever players send: an edge is a configured edge's name (by its URL's
host) or ``other``; a region is that edge's, else the first of the viewer's country's regions.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from prometheus_client import Counter, Histogram

from marquee.analytics.schemas import TelemetryEvent
from marquee.settings import Settings

STARTUP = Histogram(
    "marquee_playback_startup_seconds",
    "Time from Play to the first frame, as players report it",
    ["region"],
    buckets=(0.25, 0.5, 1, 1.5, 2, 3, 5, 8, 13, 20),
)
STALLED = Counter(
    "marquee_playback_stalled_seconds_total", "Time players stood stalled", ["edge", "region"]
)
PLAYED = Counter("marquee_playback_played_seconds_total", "Time players played", ["edge", "region"])
ERRORS = Counter("marquee_playback_errors_total", "Player errors", ["edge", "region"])
OTHER = "other"


def observe(settings: Settings, country: str, events: list[TelemetryEvent]) -> None:
    """Count a batch of one session's telemetry; the session's edge is its latest sample's."""
    hosts = [e.edge_host for e in events if e.kind == "sample"]
    edge, region = _edge_and_region(settings, country, hosts[-1] if hosts else "")
    for event in events:
        if event.kind == "startup":
            STARTUP.labels(region).observe(event.startup_ms / 1000)
        elif event.kind == "stall_end":
            STALLED.labels(edge, region).inc(event.duration_ms / 1000)
        elif event.kind == "sample":
            PLAYED.labels(edge, region).inc(event.played_ms / 1000)
        elif event.kind == "error":
            ERRORS.labels(edge, region).inc()


def _edge_and_region(settings: Settings, country: str, host: str) -> tuple[str, str]:
    configured = tuple(
        (str(e.get("url", "")), str(e.get("name", "")), str(e.get("region", "")))
        for e in settings.delivery_edges
    )
    edges = _edges_by_host(configured)
    if host in edges:
        return edges[host]
    regions = settings.delivery_country_regions
    nearest = regions.get(country) or regions.get("*") or [OTHER]
    return OTHER, nearest[0]


@functools.cache
def _edges_by_host(configured: tuple[tuple[str, str, str], ...]) -> dict[str, tuple[str, str]]:
    """Each configured edge's (name, region) by its URL's host."""
    return {urlsplit(url).hostname or "": (name, region) for url, name, region in configured}
