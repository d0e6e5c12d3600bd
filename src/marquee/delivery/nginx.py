"""``marquee edge nginx-config``: the same data plane as the Python edge, for stock nginx.

* a path that is not canonical (:func:`marquee.delivery.tokens.canonical_path`: double or
  encoded ``/ . \\``, dot or empty segments, characters no object name has) is refused with
  400 before anything else, as the Python edge does: nginx would otherwise decode, merge and
  resolve it into a second address (and cache entry) of the same object;
* the delivery token is checked by ``secure_link``/``secure_link_md5`` over the same path
  pattern and the same MD5 expression as :mod:`marquee.delivery.tokens`; a token of a revoked
  session is refused through a ``map`` of ``{run_dir}/revoked.map``, which ``marquee edge
  nginx-metrics --origin`` keeps up to date (:mod:`marquee.delivery.revocation`);
* ``proxy_cache`` keyed by the object key (not the token), ``proxy_cache_lock`` so one origin
  fetch fills an object however many clients wait, ``proxy_force_ranges`` for 206s from cache;
* objects are immutable, so the origin's Cache-Control goes to clients but the cache keeps
  objects until evicted (nginx's cache manager evicts least recently used past ``max_size``);
* one JSON line per request in ``{run_dir}/access.log``, which ``marquee edge nginx-metrics``
  turns into the Python edge's metrics (:mod:`marquee.delivery.nginx_metrics`); ``/metrics``
  is proxied to it.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from marquee.delivery.headers import CORS_HEADERS, PREFLIGHT_HEADERS
from marquee.delivery.revocation import MAP_FILE
from marquee.delivery.tokens import (
    DOT_SEGMENTS_PATTERN,
    REFUSED_ESCAPES_PATTERN,
    SAFE_PATH_PATTERN,
    TOKEN_PATTERN,
    KeyRing,
)

CACHE_ZONE = "marquee_edge"
ACCESS_LOG = "access.log"
#: The hit path's tuning, shared with the bare nginx of ``bench/edge.py`` so that the benchmark
#: compares the edge's own work only. Hits are a cache-file open (kept by ``open_file_cache``,
#: which the proxy cache uses too), one read of the file's header, then ``sendfile`` of the
#: body. No ``aio threads``: hot objects are in the page cache, and handing the header read and
#: ``sendfile`` to threads cost 10-20% more CPU per hit (docs/delivery.md, Benchmark).
MAIN_TUNING = ("pcre_jit on;",)
HTTP_TUNING = (
    "sendfile on;",
    "tcp_nopush on;",
    "tcp_nodelay on;",
    "keepalive_requests 100000;",
    "open_file_cache max=10000 inactive=60s;",
)
LISTEN_OPTIONS = "reuseport"
#: What :mod:`marquee.delivery.nginx_metrics` reads, one JSON object per request.
LOG_FORMAT = (
    '{"status":$status,"cache":"$upstream_cache_status",'
    '"bytes":$body_bytes_sent,"upstream_s":"$upstream_response_time"}'
)


@dataclass(frozen=True)
class NginxEdgeConfig:
    origin: str
    cache_dir: Path
    cache_size: int
    run_dir: Path
    region: str = ""
    port: int = 8080
    workers: str = "auto"
    user: str | None = None
    #: Where ``marquee edge nginx-metrics`` listens (on 127.0.0.1); nginx proxies /metrics to it.
    metrics_port: int = 9145
    #: Who may read /metrics (``MARQUEE_METRICS_NETWORKS``, CIDRs); everyone else gets 403.
    metrics_networks: tuple[str, ...] = ("127.0.0.0/8", "::1/128")


def _problem(status: int, slug: str, detail: str) -> str:
    body = json.dumps({"type": f"/problems/{slug}", "status": status, "detail": detail})
    return "'" + body.replace("'", "") + "'"


def _secrets_map(keys: KeyRing) -> str:
    lines = [f'        "{kid}" "{secret}";' for kid, secret in sorted(keys.secrets.items())]
    return "\n".join(lines)


def tuning(directives: tuple[str, ...], indent: int) -> str:
    return "\n".join(" " * indent + directive for directive in directives)


def _add_headers(headers: tuple[tuple[str, str], ...], indent: int) -> str:
    pad = " " * indent
    return "\n".join(f'{pad}add_header {name} "{value}" always;' for name, value in headers)


def _metrics_access(networks: tuple[str, ...]) -> str:
    allowed = [f"            allow {ipaddress.ip_network(net, strict=False)};" for net in networks]
    return "\n".join([*allowed, "            deny all;"])


def prepare_run_dir(run_dir: Path) -> None:
    """The folders nginx writes to, and an empty revoked-session map until the first poll."""
    for sub in ("", "client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    (run_dir / MAP_FILE).touch(exist_ok=True)


def render(config: NginxEdgeConfig, keys: KeyRing) -> str:
    """The whole nginx.conf (main context up); it holds the delivery secrets: keep it 0600."""
    origin = urlsplit(config.origin)
    if origin.scheme not in ("http", "https") or not origin.netloc:
        raise ValueError(f"--origin must be an http(s) URL, not {config.origin!r}")
    run = config.run_dir
    user = f"user {config.user};\n" if config.user else ""
    health = json.dumps({"status": "ok", "region": config.region})
    forbidden = _problem(403, "invalid-delivery-token", "This address carries no valid token.")
    ended = _problem(403, "delivery-session-ended", "This playback session has ended.")
    not_canonical = _problem(400, "invalid-delivery-path", "The address is not in canonical form.")
    raw_refused = f"^[^?]*({REFUSED_ESCAPES_PATTERN}|{DOT_SEGMENTS_PATTERN})"
    cors = _add_headers(CORS_HEADERS, 12)
    preflight = _add_headers(CORS_HEADERS + PREFLIGHT_HEADERS, 16)
    return f"""# Generated by `marquee edge nginx-config`; regenerate rather than edit.
{user}worker_processes {config.workers};
{tuning(MAIN_TUNING, 0)}
pid {run}/nginx.pid;
error_log {run}/error.log warn;

events {{
    worker_connections 4096;
}}

http {{
{tuning(HTTP_TUNING, 4)}
    server_tokens off;
    log_format marquee_edge escape=json '{LOG_FORMAT}';
    access_log {run}/{ACCESS_LOG} marquee_edge buffer=64k flush=1s;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;

    proxy_cache_path {config.cache_dir} levels=1:2 keys_zone={CACHE_ZONE}:64m
                     max_size={max(config.cache_size // 1024, 1)}k inactive=365d
                     use_temp_path=off;

    map $kid $delivery_secret {{
        default "";
{_secrets_map(keys)}
    }}

    map $session $session_revoked {{
        default 0;
        include {run}/{MAP_FILE};
    }}

    upstream marquee_origin {{
        server {origin.netloc};
        keepalive 32;
    }}

    server {{
        listen {config.port} {LISTEN_OPTIONS};
        default_type application/problem+json;
        # One address per object (tokens.canonical_path): the raw path, then the decoded one.
        merge_slashes off;
{_add_headers(CORS_HEADERS, 8)}
        if ($request_uri ~ "{raw_refused}") {{ return 400 {not_canonical}; }}
        if ($uri !~ "{SAFE_PATH_PATTERN}") {{ return 400 {not_canonical}; }}

        location = /healthz {{
            access_log off;
            default_type application/json;
            return 200 '{health}';
        }}

        location ~ "{TOKEN_PATTERN}" {{
            if ($request_method = OPTIONS) {{
{preflight}
                return 204;
            }}
            secure_link $sig,$expires;
            secure_link_md5 "$expires $prefix $session $kid $delivery_secret";
            if ($delivery_secret = "") {{ return 403 {forbidden}; }}
            if ($secure_link = "") {{ return 403 {forbidden}; }}
            if ($secure_link = "0") {{ return 403 {forbidden}; }}
            if ($session_revoked) {{ return 403 {ended}; }}

            proxy_cache {CACHE_ZONE};
            proxy_cache_key $prefix$rest;
            proxy_cache_valid 200 365d;
            proxy_ignore_headers Cache-Control Expires Set-Cookie Vary X-Accel-Expires;
            proxy_cache_lock on;
            proxy_cache_lock_timeout 30s;
            proxy_cache_lock_age 30s;
            proxy_force_ranges on;
            # Fills written in 64-256 KiB pieces, not nginx's default 4-16 KiB: the page cache
            # then holds the file in large folios, and each hit's sendfile walks far fewer.
            proxy_buffers 8 64k;
            proxy_busy_buffers_size 128k;
            proxy_temp_file_write_size 256k;
            add_header X-Cache $upstream_cache_status always;
{cors}

            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host {origin.netloc};
            proxy_connect_timeout 2s;
            proxy_read_timeout 10s;
            proxy_intercept_errors on;
            proxy_pass {origin.scheme}://marquee_origin{origin.path.rstrip("/")}$uri;
            error_page 502 503 504 = @origin_down;
        }}

        location = /metrics {{
            access_log off;
{_metrics_access(config.metrics_networks)}
            proxy_pass http://127.0.0.1:{config.metrics_port};
        }}

        location @origin_down {{
            return 502 {_problem(502, "origin-unavailable", "The origin could not be reached.")};
        }}

        location / {{
            return 404 {_problem(404, "not-found", "An edge serves signed addresses only.")};
        }}
    }}
}}
"""
