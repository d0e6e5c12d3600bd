"""The edges' Prometheus metrics: one definition, so the Python and nginx edges share names."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

FILL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class EdgeMetrics:
    """The metrics of one edge, in a registry of its own; the cache gauges read their values
    from the callables at scrape time."""

    def __init__(
        self,
        cache_bytes: Callable[[], float],
        cache_objects: Callable[[], float],
        capacity: int,
    ) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.hits = Counter("marquee_edge_hits", "Requests served from the cache", registry=r)
        self.misses = Counter("marquee_edge_misses", "Requests that waited for a fill", registry=r)
        self.bytes_served = Counter("marquee_edge_served_bytes", "Body bytes sent", registry=r)
        self.rejected = Counter("marquee_edge_rejected", "Requests refused a token", registry=r)
        self.origin_errors = Counter("marquee_edge_origin_errors", "Failed fills", registry=r)
        self.fill_seconds = Histogram(
            "marquee_edge_fill_seconds",
            "Time to fetch one object from the origin into the cache",
            buckets=FILL_BUCKETS,
            registry=r,
        )
        Gauge("marquee_edge_cache_bytes", "Bytes in the cache", registry=r).set_function(
            cache_bytes
        )
        Gauge("marquee_edge_cache_objects", "Objects in the cache", registry=r).set_function(
            cache_objects
        )
        Gauge("marquee_edge_cache_capacity_bytes", "Cache size bound", registry=r).set(capacity)
