"""The one settings object. Every value comes from the environment (prefix ``MARQUEE_``).

Nothing is read at import time: call :func:`load_settings` where the process starts.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from marquee.kit.geo import parse_networks, parse_proxies

#: The URL schemes each backend setting accepts; "" (empty) means the embedded default.
URL_SCHEMES: dict[str, tuple[str, ...]] = {
    "database_url": ("", "sqlite", "postgresql", "postgresql+psycopg", "mysql+pymysql"),
    "storage_url": ("", "file", "s3"),
    "cache_url": ("memory", "redis", "rediss"),
    "queue_url": ("", "sqlite", "postgresql+psycopg", "mysql+pymysql", "redis", "amqp", "memory"),
    "events_url": ("", "redis", "nats"),
}
SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)


def default_ladder() -> list[dict[str, str | int]]:
    """The ABR ladder by default: H.264 High + AAC-LC after Apple's HLS authoring specification
    (16:9 table), thinned to roughly 1.5-2x steps between rungs."""
    rungs: tuple[tuple[str, int, int, int], ...] = (
        ("1080p", 1920, 1080, 6000),
        ("720p", 1280, 720, 3000),
        ("540p", 960, 540, 2000),
        ("432p", 768, 432, 1100),
        ("360p", 640, 360, 730),
        ("270p", 480, 270, 365),
        ("234p", 416, 234, 145),
    )
    return [
        {"name": name, "width": w, "height": h, "video_bitrate_kbps": kbps}
        for name, w, h, kbps in rungs
    ]


class SettingsError(ValueError):
    """A setting has a bad value; the message names it and says what is wrong."""


def _check_scheme(setting: str, url: str, allowed: tuple[str, ...]) -> str:
    scheme = urlsplit(url).scheme
    if scheme not in allowed:
        shown = ", ".join(s or "(empty)" for s in allowed)
        raise ValueError(f"{setting}: scheme {scheme!r} is not supported (use one of: {shown})")
    return url


class Settings(BaseSettings):
    """Marquee's configuration. Empty URLs mean "the embedded default under ``data_dir``"."""

    model_config = SettingsConfigDict(env_prefix="MARQUEE_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("./var")
    database_url: str = ""
    storage_url: str = ""
    cache_url: str = "memory://"
    queue_url: str = ""
    events_url: str = Field(default="", description="redis://… (Streams) or nats://… (JetStream)")
    #: How long handed-on outbox rows (events and jobs) are kept before the relay deletes them.
    outbox_retention_s: float = Field(default=7 * 86400, gt=0)
    secret_key: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True
    public_url: str = "http://127.0.0.1:8000"
    #: Largest request body of every route but uploads (JSON, forms, licence requests): a larger
    #: one answers 413 before it is read (kit.body_limit). Uploads have their own limits:
    #: ``catalog_upload_chunk_max_bytes`` (one tus PATCH), ``catalog_artwork_max_bytes`` (an image).
    max_json_body_bytes: int = Field(default=1024**2, ge=1024)
    #: How long the API keeps an idle HTTP connection open. Longer than a load balancer keeps
    #: its idle upstream connections (nginx: 60 s), so that the balancer, not the node, closes
    #: them: a node closing one just as the balancer reuses it fails that request with 502,
    #: and nginx never retries a POST (docs/operations.md).
    http_keep_alive_s: int = Field(default=75, ge=1)
    #: Serve Swagger UI at /api/docs. Off by default: FastAPI's page loads its script from a CDN
    #: (jsDelivr), so it is for development only (docs/web.md).
    api_docs: bool = False

    # media
    #: Key-encryption key for content keys: 64 hex digits (AES-256 key wrap). Unset: one is
    #: derived from the platform secret with HKDF-SHA256 (see docs/media.md).
    master_key: SecretStr | None = None
    #: The ABR ladder: "per-title" (rungs chosen on the title's own bitrate-VMAF hull from
    #: probe encodes, docs/media.md), "fixed" (the default table), or a fixed ladder as data
    #: (a JSON list: name, width, height (a landscape box) and video_bitrate_kbps per rung,
    #: highest first).
    media_ladder: Literal["per-title", "fixed"] | list[dict[str, str | int]] = "per-title"
    media_audio_bitrate_kbps: int = Field(default=128, gt=0)
    #: x264 preset: "veryfast" encodes the whole ladder near real time on 2 cores (docs/media.md).
    media_preset: str = "veryfast"
    #: AV1 renditions (SVT-AV1) beside the H.264 ones, at the same sizes, in their own
    #: adaptation set / variants: players that decode AV1 pick them (docs/media.md).
    media_av1: bool = True
    #: SVT-AV1 preset (0 slowest … 13 fastest) of the AV1 renditions: 9 saves 10-14 % of
    #: their bits over 10 for 20-30 % more of their CPU (docs/media.md, *AV1*); one faster
    #: where the twins hold most of the fixed ladder's pixels (ladder.AV1_PIXEL_SHARE).
    media_av1_preset: int = Field(default=9, ge=0, le=13)
    #: "rendition": one encode job per rendition (several workers encode a title at once);
    #: "ladder": one job encodes every rendition from one decode (best with a single worker).
    #: Sources longer than media_chunk_s are always encoded in chunks, one job per chunk.
    media_encode_jobs: Literal["rendition", "ladder"] = "rendition"
    #: Sources longer than this are encoded in GOP-aligned chunks of about this length.
    media_chunk_s: float = Field(default=120.0, gt=0)
    media_segment_s: float = Field(default=4.0, gt=0)
    #: VMAF scores one frame in this many (in "ladder" mode: frames at least this far apart).
    media_vmaf_subsample: int = Field(default=30, ge=1)
    #: "ladder" mode scores at most this many frames per rendition, spread evenly (the
    #: middle of a GOP; the name is from when it scored keyframes).
    media_vmaf_keyframes: int = Field(default=6, ge=1)
    media_trickplay_interval_s: float = Field(default=10.0, gt=0)
    #: Content-key tiers (docs/media.md): renditions up to this height share the SD key, up to
    #: ``media_hd_max_height`` the HD key, taller ones the UHD key.
    media_sd_max_height: int = Field(default=576, gt=0)
    media_hd_max_height: int = Field(default=1080, gt=0)
    #: Threads per ffmpeg run (x264, decoders, libvmaf).
    media_threads: int = Field(default=2, ge=1)
    #: Where jobs make their temporary directories (empty: the system's temp dir).
    media_temp_dir: str = ""
    #: A running pipeline step's claim (kit.claims), renewed every third of it: a second
    #: delivery of its job waits; a killed worker's step is taken again once it runs out.
    media_step_lease_s: float = Field(default=15.0, ge=3)
    media_qc_min_duration_s: float = 1.0
    media_qc_max_duration_s: float = 6 * 3600.0
    media_qc_max_width: int = 7680
    media_qc_max_height: int = 4320
    media_qc_min_fps: float = 10.0
    media_qc_max_fps: float = 120.0

    # geo (kit.geo)
    geo_networks: str = Field(default="", description="CIDR=CC pairs, e.g. 10.0.0.0/8=US")
    geoip_db: Path | None = Field(default=None, description="MaxMind-format country database")
    trusted_proxies: str = Field(default="", description="CIDRs whose X-Forwarded-For is believed")
    #: Who may read ``/metrics`` on the API and on the edges (Python and nginx), as CIDRs: the
    #: client's address (on the API through the trusted proxies), others get 403.
    metrics_networks: str = Field(
        default="127.0.0.0/8,::1/128", description="CIDRs that may read /metrics (API, edges)"
    )
    default_country: str = Field(default="US", description="when no lookup answers")

    # catalog
    #: Named regions a licence window may list instead of countries (JSON in
    #: MARQUEE_CATALOG_REGIONS): name (3+ letters) → comma-separated ISO 3166-1 alpha-2 codes.
    #: WORLD is built in.
    catalog_regions: dict[str, str] = Field(
        default_factory=lambda: {
            "EU": "AT,BE,BG,CY,CZ,DE,DK,EE,ES,FI,FR,GR,HR,HU,IE,IT,LT,LU,LV,MT,NL,PL,PT,RO,SE,SI,"
            "SK",
            "EEA": "AT,BE,BG,CY,CZ,DE,DK,EE,ES,FI,FR,GR,HR,HU,IE,IT,LT,LU,LV,MT,NL,PL,PT,RO,SE,SI,"
            "SK,IS,LI,NO",
            "DACH": "DE,AT,CH",
            "NORDICS": "DK,FI,IS,NO,SE",
            "BENELUX": "BE,NL,LU",
            "UKI": "GB,IE",
            "NORAM": "US,CA",
            "LATAM": "AR,BO,BR,CL,CO,CR,DO,EC,GT,HN,MX,NI,PA,PE,PY,SV,UY,VE",
        }
    )
    #: The rating system a territory's ratings use when the studio names none.
    catalog_rating_systems: dict[str, str] = Field(
        default_factory=lambda: {"US": "MPA", "GB": "BBFC", "DE": "FSK", "AT": "FSK"}
    )
    catalog_page_size: int = Field(default=40, ge=1, le=200)
    #: Largest resumable upload (tus ``Tus-Max-Size``) and largest body of one PATCH.
    catalog_upload_max_bytes: int = Field(default=200 * 1024**3, gt=0)
    catalog_upload_chunk_max_bytes: int = Field(default=64 * 1024**2, gt=0)
    catalog_artwork_max_bytes: int = Field(default=20 * 1024**2, gt=0)
    #: Largest artwork in pixels (width × height), checked from the image's header before it is
    #: decoded: a small file may declare a huge picture (a decompression bomb).
    catalog_artwork_max_pixels: int = Field(default=40_000_000, gt=0)

    # identity
    smtp_url: str = Field(
        default="", description="smtp://user:pass@host:port (smtps://, ?starttls=1)"
    )
    mail_from: str = "Marquee <no-reply@localhost>"
    password_min_length: int = Field(default=10, ge=8)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    access_token_ttl_s: float = Field(default=900, gt=0)
    session_ttl_s: float = Field(default=30 * 86400, gt=0)
    mfa_token_ttl_s: float = Field(default=300, gt=0)
    verify_token_ttl_s: float = Field(default=86400, gt=0)
    reset_token_ttl_s: float = Field(default=3600, gt=0)
    rate_limit_window_s: float = Field(default=900, gt=0)
    login_ip_limit: int = Field(default=50, ge=1)
    login_account_limit: int = Field(default=20, ge=1)
    signup_ip_limit: int = Field(default=20, ge=1)
    reset_ip_limit: int = Field(default=20, ge=1)
    reset_account_limit: int = Field(default=3, ge=1)
    lockout_threshold: int = Field(default=5, ge=1)
    lockout_s: float = Field(default=900, gt=0)
    pin_attempt_limit: int = Field(default=5, ge=1)
    trial_days: int = Field(default=0, ge=0)

    # billing (docs/billing.md)
    billing_provider: Literal["manual", "stripe"] = "manual"
    #: A past-due subscription may still watch this many days, then it is suspended.
    billing_grace_days: int = Field(default=7, ge=0)
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    #: Stripe's API, or a local fake (localstripe) or a proxy.
    stripe_api_base: str = "https://api.stripe.com"
    #: Signed webhooks older than this are refused (replays).
    stripe_webhook_tolerance_s: int = Field(default=300, gt=0)
    #: The operator as its invoices name it; the prefix names its series of numbers.
    billing_operator_name: str = "Marquee"
    billing_operator_address: str = ""
    billing_operator_tax_id: str = ""
    billing_invoice_prefix: str = Field(default="INV", pattern=r"^[A-Z0-9]{1,12}$")

    # discovery
    #: Search results per page and as-you-type suggestions per answer.
    discovery_page_size: int = Field(default=20, ge=1, le=100)
    discovery_suggest_limit: int = Field(default=8, ge=1, le=50)
    #: How long a node trusts its list of titles visible per territory and maturity (catalog
    #: events on the node clear it at once; other nodes' edits show within this bound).
    discovery_visible_ttl_s: float = Field(default=30, gt=0)
    #: How long browse rows and play counts (trending, top 10, popularity) stay cached.
    discovery_browse_ttl_s: float = Field(default=300, gt=0)
    discovery_stats_ttl_s: float = Field(default=60, gt=0)
    #: New and edited titles reach cached browse rows within this many seconds (a title taken
    #: off the catalog leaves them at once): a bulk import turns them stale once per window,
    #: not once per batch of titles (discovery/freshness.py).
    discovery_catalog_settle_s: float = Field(default=10, ge=0)
    discovery_row_size: int = Field(default=20, ge=1, le=100)
    #: Trending: plays of the last ``discovery_trending_days`` weigh half as much every
    #: ``discovery_trending_half_life_h`` hours. Top 10 counts plays of the same days.
    discovery_trending_days: int = Field(default=7, ge=1, le=90)
    discovery_trending_half_life_h: float = Field(default=24, gt=0)
    #: This node's name in the search index's event group (each API node keeps its own index,
    #: so each needs every catalog event). Empty: the host name.
    discovery_node: str = ""
    #: Build the search index in the background when a node starts with an empty one.
    discovery_reindex_on_start: bool = True

    # delivery
    #: Delivery token keys, ``kid=secret,kid=secret`` (ids and secrets of [A-Za-z0-9_-],
    #: secrets 32+ characters). Unset: one key, ``delivery_key_id``, derived from the platform
    #: secret. Rotation and why MD5: docs/delivery.md.
    delivery_keys: SecretStr | None = None
    #: The key id new delivery tokens are signed with.
    delivery_key_id: str = Field(default="k1", pattern=r"^[A-Za-z0-9_-]{1,16}$")
    delivery_token_ttl_s: float = Field(default=6 * 3600, gt=0)
    #: A stopped (or silent) session's delivery tokens still work this long, then the edges
    #: refuse them (the revocation list they poll every ``delivery_revocation_poll_s``).
    delivery_revocation_grace_s: float = Field(default=60, ge=0)
    delivery_revocation_poll_s: float = Field(default=15, gt=0)
    #: Edges (JSON in MARQUEE_DELIVERY_EDGES): ``name``, ``url``, ``region``, ``capacity``
    #: (relative weight, default 1) and ``state`` (``active``, ``drain`` or ``off``).
    delivery_edges: list[dict[str, str | int]] = Field(default_factory=list)
    #: Regions nearest first per country (JSON): ``{"FR": ["eu", "us"], "*": ["us", "eu"]}``;
    #: ``*`` is for every other country. Regions not listed come after, as fallbacks.
    delivery_country_regions: dict[str, list[str]] = Field(default_factory=dict)
    delivery_health_interval_s: float = Field(default=2.0, gt=0)
    delivery_health_timeout_s: float = Field(default=1.0, gt=0)
    #: Consecutive failed health checks before an edge leaves the steering lists.
    delivery_health_failures: int = Field(default=2, ge=1)
    #: Cache warming (job ``delivery.warm_edges`` without asset ids): the daily off-peak window,
    #: UTC ``HH:MM-HH:MM`` (may pass midnight), outside which it pushes nothing; bytes per edge
    #: per run; the push rate cap in bytes per second (the origin's egress, all edges together).
    delivery_warm_window: str = Field(
        default="01:00-05:00",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$",
    )
    delivery_warm_budget_bytes: int = Field(default=20 * 1024**3, gt=0)
    delivery_warm_rate_bytes_s: int = Field(default=50 * 1024**2, gt=0)
    #: Plays counted over this many hours; plays in the last half and quarter count again, so
    #: recent plays weigh up to 3×. The most played titles warmed at most.
    delivery_warm_lookback_h: float = Field(default=72, gt=0)
    delivery_warm_titles: int = Field(default=50, ge=0)
    #: Newest titles (published in the last ``delivery_warm_new_days``) warmed after them.
    delivery_warm_new_releases: int = Field(default=10, ge=0)
    delivery_warm_new_days: float = Field(default=14, gt=0)
    #: Worker processes enqueue ``delivery.warm_edges`` once per region with edges per night,
    #: inside ``delivery_warm_window`` (docs/delivery.md); off: run it from cron instead.
    delivery_warm_enabled: bool = True

    # playback
    #: A session without a heartbeat for this long has ended and frees its stream slot.
    playback_heartbeat_timeout_s: float = Field(default=90, gt=0)
    #: How long a playback session (its manifest, licence and delivery URLs) lasts at most.
    playback_session_ttl_s: float = Field(default=6 * 3600, gt=0)
    #: Licence requests per session (and per download) per minute.
    playback_license_limit: int = Field(default=30, ge=1)
    #: Share of the running time after which a title counts as watched.
    playback_watched_fraction: float = Field(default=0.9, gt=0, le=1)
    #: Continue-watching rows at most.
    playback_continue_limit: int = Field(default=20, ge=1)

    # downloads (docs/downloads.md)
    #: Days a download may be started after its grant or renewal (never past its window's end).
    downloads_license_days: float = Field(default=30, gt=0)
    #: Hours a download may be played after its first play.
    downloads_play_window_hours: float = Field(default=48, gt=0)
    #: Active downloads an account may hold, on all its devices together.
    downloads_max_per_account: int = Field(default=100, ge=1)

    # analytics (docs/analytics.md)
    #: Days of events the lake keeps; older days are deleted by the compaction job.
    analytics_retention_days: int = Field(default=400, ge=1)
    #: Telemetry events one request may carry (more: 413), and requests per session per minute.
    analytics_telemetry_max_events: int = Field(default=200, ge=1, le=10_000)
    analytics_telemetry_limit: int = Field(default=30, ge=1)
    #: A day's lake files are compacted into one once it has this many.
    analytics_compact_min_files: int = Field(default=8, ge=2)

    # experiments (docs/experiments.md)
    #: Seconds a process keeps the running experiments before reading them again.
    experiments_cache_ttl_s: float = Field(default=10, ge=0)

    # recommend, online (docs/recommend.md)
    #: Seconds between retrains of the production model by a worker.
    recommend_retrain_interval_s: float = Field(default=6 * 3600, gt=0)
    #: Seconds between an API node's looks at the current model's pointer object.
    recommend_model_poll_s: float = Field(default=30, gt=0)
    #: A play that ends before this share of the running time is an abandonment: no signal.
    recommend_abandon_fraction: float = Field(default=0.1, ge=0, lt=1)

    @field_validator(*URL_SCHEMES)
    @classmethod
    def _url_scheme(cls, value: str, info: ValidationInfo) -> str:
        name = str(info.field_name)
        return _check_scheme(f"MARQUEE_{name.upper()}", value, URL_SCHEMES[name])

    @field_validator("geo_networks", "trusted_proxies", "metrics_networks")
    @classmethod
    def _networks(cls, value: str, info: ValidationInfo) -> str:
        parse = parse_networks if info.field_name == "geo_networks" else parse_proxies
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"MARQUEE_{str(info.field_name).upper()}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _production_needs_secret(self) -> Settings:
        if self.env == "production" and self.secret_key is None:
            raise ValueError("MARQUEE_SECRET_KEY: required when MARQUEE_ENV=production")
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("MARQUEE_SECRET_KEY: must be at least 32 characters")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'marquee.db'}"

    @property
    def resolved_storage_url(self) -> str:
        return self.storage_url or f"file://{self.data_dir.resolve() / 'objects'}"

    @property
    def resolved_queue_url(self) -> str:
        return self.queue_url or f"sqlite:///{self.data_dir.resolve() / 'queue.db'}"

    def secret(self) -> bytes:
        """The platform secret; in development it is generated once and kept in the data dir."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        path = self.data_dir / SECRET_KEY_FILE
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip().encode()


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; a bad value raises one readable :class:`SettingsError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        if not message.startswith("MARQUEE_"):
            field = ".".join(str(p) for p in first.get("loc", ()))
            message = f"MARQUEE_{field.upper()}: {message}"
        raise SettingsError(message) from None
