"""Fixtures of the studio's browser tests: a platform that places viewers by address, an
editor account, and a generated clip to upload.

The viewer's country comes from ``kit.geo``. Here every browser is in France
(``MARQUEE_DEFAULT_COUNTRY``, loopback being in no table), except a context that says it comes
through a trusted proxy (``MARQUEE_TRUSTED_PROXIES`` = loopback) from an address the CIDR table
(``MARQUEE_GEO_NETWORKS``) puts in Germany. The French viewer plays without any header: sent to
the edge too, ``X-Forwarded-For`` would make each segment request a CORS preflight for a header
the edge does not allow; the German viewer only browses.

The shared, demo-seeded platform of ``tests/e2e/conftest.py`` cannot take settings, so the
studio tests serve their own, unseeded one through the same ``tests.e2e.browser`` helpers (no
demo titles are needed: the editor makes the title).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext

from marquee.demo.clips import make_clip
from tests.e2e import browser as e2e
from tests.e2e.conftest import TIMEOUT_MS

HOME = "FR"
#: Test addresses (RFC 5737) of the other countries.
ADDRESSES = {"DE": "198.51.100.49"}
GEO = {
    "MARQUEE_DEFAULT_COUNTRY": HOME,
    "MARQUEE_TRUSTED_PROXIES": "127.0.0.1/32",
    "MARQUEE_GEO_NETWORKS": ",".join(f"{ip}/32={cc}" for cc, ip in ADDRESSES.items()),
}
EDITOR = e2e.Credentials("studio-editor@example.com", e2e.PASSWORD)
CLIP_SECONDS = 4.0
CLIP_HEIGHT = 180

ContextIn = Callable[[str], BrowserContext]


@dataclass(frozen=True)
class Clip:
    path: Path
    seconds: float


def _environment(data_dir: Path) -> dict[str, str]:
    return {**e2e.environment(data_dir), **GEO}


def _cli(data_dir: Path, *args: str) -> None:
    e2e.run_marquee(_environment(data_dir), *args)


@pytest.fixture(scope="package")
def platform(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[e2e.Served]:
    """``marquee serve`` with the geo table above, a migrated empty catalog and an editor."""
    data_dir = tmp_path_factory.mktemp("studio") / "var"
    data_dir.mkdir()
    _cli(data_dir, "db", "upgrade")
    _cli(
        data_dir,
        "user",
        "create",
        "--email",
        EDITOR.email,
        "--password",
        EDITOR.password,
        "--role",
        "editor",
    )
    catalog = e2e.Catalog(titles={}, viewer=EDITOR, admin=EDITOR)
    with e2e.serving(data_dir, catalog, settings=GEO) as served:
        yield served


@pytest.fixture
def context_in(browser: Browser, platform: e2e.Served) -> Iterator[ContextIn]:
    """``context_in("DE")``: a fresh browser context whose requests come from Germany.

    Service workers are blocked: a failed segment request then names its network error in
    the console instead of the worker's 504."""
    opened: list[BrowserContext] = []

    def open_in(country: str) -> BrowserContext:
        forwarded = {} if country == HOME else {"X-Forwarded-For": ADDRESSES[country]}
        context = browser.new_context(
            base_url=platform.base,
            viewport={"width": 1280, "height": 800},
            extra_http_headers=forwarded,
            service_workers="block",
        )
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        return context

    yield open_in
    for context in opened:
        context.close()


@pytest.fixture
def editor_context(context: BrowserContext, platform: e2e.Served) -> BrowserContext:
    """The test's context, signed in as the editor (no profile: the studio needs none)."""
    e2e.sign_in(context, platform.base, EDITOR.email, EDITOR.password)
    return context


@pytest.fixture(scope="package")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Clip:
    """A short H.264 + AAC source, generated (test pattern and a tone)."""
    out = tmp_path_factory.mktemp("clip") / "studio-source.mp4"
    make_clip(
        out,
        look="testsrc2=s={size}",
        caption="Studio",
        tone_hz=440,
        seconds=CLIP_SECONDS,
        height=CLIP_HEIGHT,
    )
    return Clip(out, CLIP_SECONDS)
