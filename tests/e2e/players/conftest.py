"""Fixtures of the player interoperability tests (docs/players.md): a platform of their own
with one short encrypted title, playback sessions of it, and the player page served from the
platform's origin and from another one.

The title is a testsrc2 clip ingested through the real pipeline (``marquee ingest``) on a
three-rung ladder, so that the manifests have variants to order; its length (7.04 s: 176
frames at 25 fps, 330 AAC frames at 48 kHz) is not a whole number of tenths, so a duration
rounded to 0.1 s shows. The page, ``pages/player.html``, loads a player from
``node_modules/`` (``make players``), then the player's own script ``pages/<player>.js``.
The pages' server, a plain HTTP server of this folder on another loopback port, is the other
origin; on the platform's origin, Playwright sends the requests under ``/interop/`` on to it
(the platform is not changed).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Route

from marquee.demo.clips import make_clip
from tests.e2e import browser as e2e
from tests.e2e.conftest import unavailable

PLAYERS = Path(__file__).parent
MODULES = PLAYERS / "node_modules"
#: What the page loads from node_modules for each player, before ``pages/<player>.js``.
DIST = {
    "dashjs": ("dashjs/dist/modern/umd/dash.all.min.js",),
    "hlsjs": ("hls.js/dist/hls.min.js",),
    "shaka": ("shaka-player/dist/shaka-player.compiled.js",),
    "videojs": (
        "video.js/dist/video.min.js",
        "videojs-contrib-eme/dist/videojs-contrib-eme.min.js",
    ),
}
#: Where the platform's origin serves this folder (answered by Playwright, not the server).
ROUTED = "/interop/"
CLIP_SECONDS = 7.04
CLIP_HEIGHT = 240
LADDER = [
    {"name": "240p", "width": 426, "height": 240, "video_bitrate_kbps": 300},
    {"name": "180p", "width": 320, "height": 180, "video_bitrate_kbps": 200},
    {"name": "144p", "width": 256, "height": 144, "video_bitrate_kbps": 120},
]
#: Key tiers at the ladder's scale (docs/media.md): 240p is "HD", with a key and an
#: AdaptationSet of its own, so that every player plays a title of several content keys.
#: AV1 twins of the rungs (SVT-AV1's fastest preset) as by default: players that decode AV1
#: pick them (test_av1.py).
SETTINGS = {
    "MARQUEE_MEDIA_LADDER": json.dumps(LADDER),
    "MARQUEE_MEDIA_SD_MAX_HEIGHT": "180",
    "MARQUEE_MEDIA_AV1": "true",
    "MARQUEE_MEDIA_AV1_PRESET": "12",
}
TITLE = "Interop"
#: The "standard" plan: two streams at once; each test stops its sessions.
VIEWER = e2e.Credentials("interop-viewer@example.com", e2e.PASSWORD)


@dataclass(frozen=True)
class Playback:
    """A playback session as a player gets it: manifests, licence URL and a bearer token of
    the session's account (the page sends no cookies, wherever it comes from)."""

    session_id: str
    manifests: dict[str, str]
    license_url: str
    token: str

    def for_page(self, fmt: str) -> dict[str, str]:
        """What ``interop.play`` of pages/harness.js takes."""
        return {
            "format": fmt,
            "manifest": self.manifests[fmt],
            "licenseUrl": self.license_url,
            "token": self.token,
        }


StartSession = Callable[[], Playback]


@dataclass(frozen=True)
class Pages:
    """The player page on the platform's origin and on another origin."""

    same_origin: str
    other_origin: str

    def url(self, origin: str) -> str:
        base = self.same_origin if origin == "same-origin" else self.other_origin
        return f"{base}/pages/player.html"

    @staticmethod
    def scripts(player: str) -> list[str]:
        """What the page loads, in order, for ``player`` (relative to the page)."""
        return [*(f"../node_modules/{path}" for path in DIST[player]), f"{player}.js"]


@pytest.fixture(scope="package")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[e2e.Served]:
    """``marquee serve`` (every role) on a data dir holding one published, encrypted title
    and the viewer :data:`VIEWER`; ``catalog.titles["interop"]`` is the title's id."""
    work = tmp_path_factory.mktemp("players")
    data_dir = work / "var"
    env = {**e2e.environment(data_dir), **SETTINGS}
    clip = make_clip(
        work / "interop.mp4",
        look="testsrc2=s={size}",
        caption=TITLE,
        tone_hz=523,
        seconds=CLIP_SECONDS,
        height=CLIP_HEIGHT,
    )
    ingested = json.loads(
        e2e.run_marquee(env, "ingest", str(clip), "--title", TITLE, "--publish", "--json")
    )
    account = ("--email", VIEWER.email, "--password", VIEWER.password, "--plan", "standard")
    e2e.run_marquee(env, "user", "create", *account)
    catalog = e2e.Catalog(titles={"interop": ingested["title_id"]}, viewer=VIEWER, admin=VIEWER)
    with e2e.serving(data_dir, catalog, settings=SETTINGS) as served:
        yield served


def start_playback(served: e2e.Served) -> Playback:
    """A playback session of the title for the viewer's first profile, started through the
    API from a new sign-in (a device of its own)."""
    viewer = served.catalog.viewer
    headers = e2e.log_in(served.base, viewer.email, viewer.password)
    with httpx.Client(base_url=served.base, headers=headers, timeout=30) as client:
        profile = _ok(client.get("/api/v1/profiles"))[0]
        body = {"title_id": served.catalog.titles["interop"], "profile_id": profile["id"]}
        session = _ok(client.post("/api/v1/playback/sessions", json=body))
    return Playback(
        session_id=session["session_id"],
        manifests=session["manifests"],
        license_url=session["license_url"],
        token=headers["Authorization"].removeprefix("Bearer "),
    )


def stop_playback(served: e2e.Served, playback: Playback) -> None:
    """Stop the session: its stream slot is free at once."""
    url = f"{served.base}/api/v1/playback/sessions/{playback.session_id}/stop"
    headers = {"Authorization": f"Bearer {playback.token}"}
    httpx.post(url, json={}, headers=headers, timeout=30)


@pytest.fixture
def start_session(platform: e2e.Served) -> Iterator[StartSession]:
    """``start_session()``: :func:`start_playback`; every session started is stopped after
    the test."""
    started: list[Playback] = []

    def start() -> Playback:
        started.append(start_playback(platform))
        return started[-1]

    yield start
    for playback in started:
        stop_playback(platform, playback)


@pytest.fixture(scope="package")
def players_installed() -> None:
    """Skip (fail when services are required) unless ``make players`` installed the players."""
    missing = [path for paths in DIST.values() for path in paths if not (MODULES / path).exists()]
    if missing:
        unavailable(
            f"the players' npm packages are not installed ({MODULES / missing[0]} is missing:"
            " run `make players`)"
        )


@pytest.fixture(scope="package")
def other_origin(players_installed: None) -> Iterator[str]:
    """A plain HTTP server of this folder on another loopback port: another origin."""
    handler = partial(_QuietHandler, directory=str(PLAYERS))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="interop-pages", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def pages(context: BrowserContext, platform: e2e.Served, other_origin: str) -> Pages:
    """The player pages. On the platform's origin, ``context`` sends the requests under
    :data:`ROUTED` on to the pages' server, unseen by the page: a response made up by
    Playwright would come from no address, and Chromium would then refuse the page's
    requests to loopback (Local Network Access)."""
    routed = platform.base + ROUTED

    def forward(route: Route) -> None:
        route.continue_(url=other_origin + "/" + route.request.url.removeprefix(routed))

    context.route(f"{routed}**", forward)
    return Pages(same_origin=routed.rstrip("/"), other_origin=other_origin)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on the test's output."""


def _ok(answer: httpx.Response) -> Any:
    if answer.is_error:
        raise e2e.PlatformError(
            f"{answer.request.method} {answer.request.url.path} → {answer.status_code}"
            f" {answer.text}"
        )
    return answer.json()
