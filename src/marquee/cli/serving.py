"""Running the platform in this process: what ``marquee serve`` and ``marquee demo`` share."""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext

import uvicorn
from fastapi import APIRouter, FastAPI

from marquee.app import create_app
from marquee.cli.common import platform_or_exit
from marquee.cli.edge import local_edge
from marquee.recommend import service as recommend
from marquee.runtime import Platform
from marquee.settings import Settings

log = logging.getLogger(__name__)

ROLES = frozenset({"api", "worker", "edge"})
EDGE_CACHE_SIZE = "2G"
#: Work a command runs alongside the platform while it serves (``marquee demo``'s seeding).
Alongside = Callable[[Platform], AbstractContextManager[object]]


def serve_platform(
    settings: Settings,
    *,
    host: str,
    port: int,
    roles: frozenset[str] = ROLES,
    edge_port: int | None = None,
    edge_cache_size: str = EDGE_CACHE_SIZE,
    routers: Sequence[APIRouter] = (),
    alongside: Alongside | None = None,
) -> None:
    """Serve ``roles`` until interrupted: the HTTP API on ``port`` (with ``routers`` of the
    command's own), the job workers, and an edge cache on ``edge_port`` (default:
    ``port + 1``); ``alongside`` runs from the platform's start until serving ends. The
    database must be migrated.

    Uvicorn's access log is off: a JSON line per request cost more than a cached answer, and
    ``/metrics`` counts requests and their latencies per route. The recommend model is loaded
    before the first request and new versions off the requests' path: rows built while one
    loaded were cached under the version before, then built again in the middle of the
    traffic, each build taking CPU from cached answers."""
    settings = with_listening_url(settings, host, port)
    edge = None
    if "edge" in roles:
        edge, settings = local_edge(settings, host, port, edge_port or port + 1, edge_cache_size)
    platform = platform_or_exit(settings)
    platform.start(worker="worker" in roles)
    if edge is not None:
        edge.start()
    try:
        with alongside(platform) if alongside is not None else nullcontext():
            if "api" in roles:
                app = create_app(settings, platform=platform, routers=routers)
                _serve_model(settings)
                _freeze_startup_objects()
                uvicorn.Server(server_config(app, settings, host, port)).run()
            else:
                wait_for_signal()
    finally:
        if edge is not None:
            edge.stop()
        platform.stop()


def server_config(app: FastAPI, settings: Settings, host: str, port: int) -> uvicorn.Config:
    """Uvicorn's settings for the API. ``proxy_headers`` is off: uvicorn would otherwise believe
    ``X-Forwarded-For`` from 127.0.0.1 (its ``forwarded_allow_ips`` default) and hand the app
    the forwarded address as the peer. Marquee reads that header itself, from the proxies of
    ``MARQUEE_TRUSTED_PROXIES`` only (``kit.web.client_address_of``): lock-outs and the
    viewer's country depend on it."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        timeout_keep_alive=settings.http_keep_alive_s,
    )


def _serve_model(settings: Settings) -> None:
    """The recommend model loaded before serving and watched for new versions; an object
    store that cannot be read now (logged) leaves the model to the watcher's next look rather
    than keeping the API down."""
    try:
        recommend.serve_model(settings)
    except Exception:
        log.exception("recommend: no model loaded at start; the next look will load it")


def _freeze_startup_objects() -> None:
    """Leave everything made so far (modules, the app, the platform) out of the garbage
    collector's full passes. Requests make a few reference cycles each, so full passes come
    every few seconds under load; over the whole startup heap each took 70–90 ms, and every
    request waiting meanwhile took that long (browse's p99 at 64 connections)."""
    gc.collect()
    gc.freeze()


def with_listening_url(settings: Settings, host: str, port: int) -> Settings:
    """Without ``MARQUEE_PUBLIC_URL``, the addresses handed to clients (manifests, licence and
    edge URLs) name where this process listens, so ``--port`` alone gives working links."""
    if "public_url" in settings.model_fields_set:
        return settings
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    return settings.model_copy(update={"public_url": f"http://{shown}:{port}"})


def wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
