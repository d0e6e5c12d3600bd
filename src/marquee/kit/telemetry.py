"""Logs, metrics and request ids.

* Logs are JSON lines (python-json-logger) carrying the request id of the request being served,
  or short lines for people (Rich) when the output is a terminal.
* Metrics are Prometheus text on ``/metrics``: requests and latency per route template, jobs
  per outcome and their durations, and the jobs waiting per queue (read at each scrape).
"""

from __future__ import annotations

import contextvars
import functools
import logging
import random
import sys
import time
import warnings
from typing import TextIO

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from pythonjsonlogger.json import JsonFormatter
from rich.console import Console
from rich.logging import RichHandler
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marquee.kit.geo import Network, client_address, in_networks, parse_proxies

REQUEST_ID_HEADER = "x-request-id"
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

REQUESTS = Counter(
    "marquee_http_requests_total", "HTTP requests served", ["method", "route", "status"]
)
REQUEST_LATENCY = Histogram(
    "marquee_http_request_duration_seconds",
    "Time to serve an HTTP request",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOBS = Counter("marquee_jobs_total", "Background job attempts", ["job", "outcome"])
QUEUE_DEPTH = Gauge("marquee_jobs_queued", "Jobs waiting to run, per queue", ["queue"])
JOB_DURATION = Histogram(
    "marquee_job_duration_seconds",
    "Duration of one background job attempt",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600),
)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


#: Libraries whose INFO lines carry secrets: httpx logs every request's URL, and an edge's fills
#: and the health checks ask for URLs with delivery tokens in their path. Their warnings pass.
QUIET_LOGGERS = ("httpx", "httpcore")


#: Loggers whose INFO lines an operator reads in a terminal: Marquee's own, and uvicorn's
#: (where it listens). Other libraries' INFO lines (migrations applied, pools opened) speak to
#: developers and show only in JSON lines.
TERMINAL_LOGGERS = ("marquee", "uvicorn")


def json_lines_wanted(forced: bool | None, stdout: TextIO | None = None) -> bool:
    """JSON lines for services (a collector reads them), short lines for a person at a
    terminal: chosen by whether ``stdout`` is a terminal unless ``forced``
    (``MARQUEE_LOG_JSON``) says which."""
    if forced is not None:
        return forced
    return not (stdout or sys.stdout).isatty()


def configure_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    """Send every log record to stderr, as JSON lines or as short lines for a terminal; the
    :data:`QUIET_LOGGERS` only from WARNING up, whatever ``level`` says."""
    handler = _json_handler() if json_lines else _terminal_handler()
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def _json_handler() -> logging.Handler:
    """JSON lines; Python's warnings become records too, so every line a collector reads is
    JSON."""
    logging.captureWarnings(True)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    return handler


def _terminal_handler() -> logging.Handler:
    """Level, logger and message, one short line each (Rich keeps them above progress bars).

    Python's warnings (deprecations in libraries) are for developers: a terminal does not show
    them, and other libraries' records show from WARNING up."""
    warnings.simplefilter("ignore")
    handler = RichHandler(
        console=Console(stderr=True), show_time=False, show_path=False, markup=False
    )
    handler.setFormatter(logging.Formatter("%(name)s  %(message)s"))
    handler.addFilter(_for_operators)
    return handler


def _for_operators(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or record.name.startswith(TERMINAL_LOGGERS)


def new_request_id() -> str:
    """32 random hex digits from the process's generator (reseeded in forked children). Not
    ``uuid4()``: it reads the OS's random source in a system call that lets go of the GIL, and
    the event loop then waits behind the request threads to get it back, on every request.
    Request ids only tie log lines together (a client may send its own)."""
    return f"{random.getrandbits(128):032x}"


def _route_template(scope: Scope) -> str:
    """The matched route's path template (set by the router), so metrics never get one label
    per id."""
    route = scope.get("route")
    return str(getattr(route, "path", "") or "unmatched") if route is not None else "unmatched"


class TelemetryMiddleware:
    """Pure ASGI middleware: request id in and out, and per-route request metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode()
        request_id = incoming[:64] or new_request_id()
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = _route_template(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            REQUEST_LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)
            request_id_var.reset(token)


def metrics_response(request: Request) -> Response:
    """Prometheus text, for the networks of ``MARQUEE_METRICS_NETWORKS`` only (the client's
    address through the trusted proxies: a local reverse proxy's own address is not enough)."""
    settings = request.app.state.platform.settings
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-for")
    # kit.web.client_address_of's rule (kit.web imports kit.errors, which imports this module)
    address = client_address(peer, forwarded, networks(settings.trusted_proxies))
    if not in_networks(address, networks(settings.metrics_networks)):
        body = {"type": "/problems/forbidden", "title": "Forbidden", "status": 403}
        detail = "Metrics are for the networks of MARQUEE_METRICS_NETWORKS."
        return JSONResponse(
            {**body, "detail": detail}, status_code=403, media_type="application/problem+json"
        )
    request.app.state.platform.queue.record_depth()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@functools.cache
def networks(spec: str) -> tuple[Network, ...]:
    """A CIDR list setting, parsed once."""
    return tuple(parse_proxies(spec))
