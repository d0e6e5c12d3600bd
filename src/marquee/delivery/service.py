"""Delivery's public face: signed delivery paths, edge steering and cache warming.

Playback builds a player's URLs as ``edge.url + sign_path(...) + "manifest.mpd"`` for each
``edge`` of ``edges_for(settings, country=country)``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

import httpx

from marquee.delivery import tokens
from marquee.delivery.schemas import EdgeURL, TokenClaims, WarmReport
from marquee.delivery.steering import Steering, parse_edges, probe_healthz
from marquee.delivery.warming import Pacer, warm_edge, within_budget
from marquee.kit.storage import ObjectStore
from marquee.settings import Settings

log = logging.getLogger(__name__)
#: Where ``marquee serve`` answers token paths itself (an edge's ``--origin``).
ORIGIN_PATH = "/api/v1/delivery"
WARM_SESSION = "cache-warming"
WARM_TTL_S = 3600

#: Called after each edge of a warming: the fraction of edges done and the reports so far.
WarmProgress = Callable[[float, list[WarmReport]], None]
_steerings: dict[str, Steering] = {}
_steerings_lock = threading.Lock()


def asset_prefix(asset_id: str, folder: str = "") -> str:
    """The path prefix of an asset's folder (``video/720p/``; its top folder by default):
    ``/assets/{asset_id}/{folder}``; a token granting it grants the objects in it only."""
    return f"/assets/{asset_id}/{folder}"


def sign_path(
    settings: Settings, *, prefix: str, session_id: str, ttl_s: float | None = None
) -> str:
    """A token path granting the objects of the folder ``prefix`` (``asset_prefix(id,
    folder)``) for ``ttl_s`` seconds (default ``delivery_token_ttl_s``), e.g. ``/t/k1/
    1767225600/{session}/{sig}/assets/{id}/video/720p/``; append an object's name in it."""
    ttl = settings.delivery_token_ttl_s if ttl_s is None else ttl_s
    expires = int(time.time() + ttl)
    return tokens.sign(tokens.KeyRing.from_settings(settings), prefix, session_id, expires)


def verify(settings: Settings, *, path: str) -> TokenClaims:
    """The claims of a token path; raises ``errors.InvalidToken`` (a 403 problem)."""
    return tokens.verify(tokens.KeyRing.from_settings(settings), path)


def origin_url(settings: Settings) -> str:
    return f"{settings.public_url.rstrip('/')}{ORIGIN_PATH}"


def edges_for(settings: Settings, *, country: str) -> list[EdgeURL]:
    """Edges for a viewer in ``country``: nearest healthy first, then fallbacks by region.

    With no edge registered, or none healthy, the origin itself (``marquee serve``).
    """
    ordered = [
        EdgeURL(name=edge.name, url=edge.url, region=edge.region)
        for edge in steering(settings).order(country.upper())
    ]
    return ordered or [EdgeURL(name="origin", url=origin_url(settings), region="origin")]


def steering(settings: Settings) -> Steering:
    """This process's steering for these settings, health-checking in the background."""
    config = (
        settings.delivery_edges,
        settings.delivery_country_regions,
        settings.delivery_health_interval_s,
        settings.delivery_health_timeout_s,
        settings.delivery_health_failures,
    )
    key = json.dumps(config, sort_keys=True)
    with _steerings_lock:
        found = _steerings.get(key)
        if found is None:
            found = Steering(
                parse_edges(settings.delivery_edges),
                settings.delivery_country_regions,
                probe_healthz(settings.delivery_health_timeout_s),
                interval_s=settings.delivery_health_interval_s,
                failures=settings.delivery_health_failures,
            )
            found.start()
            _steerings[key] = found
    return found


def warm_region(
    settings: Settings,
    *,
    storage: ObjectStore,
    region: str,
    asset_ids: list[str],
    budget_bytes: int,
    rate_bytes_s: float | None = None,
    allowed: Callable[[], bool] = lambda: True,
    progress: WarmProgress = lambda fraction, reports: None,
) -> list[WarmReport]:
    """Fill each healthy edge of ``region`` with the assets' objects, most popular first
    (the order of ``asset_ids``), up to ``budget_bytes`` per edge, at ``rate_bytes_s`` at most
    (all edges together: the origin's egress), stopping when ``allowed()`` turns false.
    ``progress(fraction of edges done, reports so far)`` follows each edge."""
    objects = [info for aid in asset_ids for info in storage.list(asset_prefix(aid)[1:])]
    chosen, skipped = within_budget(objects, budget_bytes)
    signed_prefixes: dict[str, str] = {}

    def signed(key: str) -> str:
        folder, _, name = key.rpartition("/")
        if folder not in signed_prefixes:
            signed_prefixes[folder] = sign_path(
                settings, prefix=f"/{folder}/", session_id=WARM_SESSION, ttl_s=WARM_TTL_S
            )
        return signed_prefixes[folder] + name

    reports = []
    pacer = Pacer(rate_bytes_s) if rate_bytes_s else None
    edges = steering(settings).usable(region)
    with httpx.Client(timeout=30) as client:
        for edge in edges:
            report = warm_edge(
                edge.name, edge.url, chosen, skipped, signed, client, pacer=pacer, allowed=allowed
            )
            log.info("warmed edge %s: %s", edge.name, report.model_dump_json())
            reports.append(report)
            progress(len(reports) / len(edges), reports)
    return reports
