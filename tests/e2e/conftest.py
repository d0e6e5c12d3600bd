"""Fixtures of the browser tests: one seeded platform per session, Chromium, a fresh context
and page per test, and screenshots of each screen under ``test-artifacts/screens/``.

Without Chromium or the built web app the browser tests skip saying why; with
``MARQUEE_TEST_SERVICES=required`` (CI) they fail instead. While writing tests,
``E2E_SEED_CACHE=/tmp/some-dir`` seeds once and copies the seeded data dir on later runs, and
``E2E_ROLES=api,worker`` serves without the edge role. A failed test leaves
``<test>-failed.png`` and ``<test>-console.log`` (console, page errors, refused requests).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Response, expect

from tests.e2e import browser as e2e
from tests.services import services_required

SCREENS = e2e.REPO / "test-artifacts" / "screens"
#: How long a locator waits for a screen by default.
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)

Screenshot = Callable[[Page, str], Path]
SignedIn = Callable[[e2e.Viewer], None]


def unavailable(reason: str) -> NoReturn:
    """Skip the test saying ``reason``; with ``MARQUEE_TEST_SERVICES=required``, fail it."""
    if services_required():
        pytest.fail(f"{reason} (MARQUEE_TEST_SERVICES=required)", pytrace=False)
    pytest.skip(reason)


def _need_browser() -> None:
    reason = e2e.missing_requirement()
    if reason is not None:
        unavailable(reason)


@pytest.fixture(scope="package")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[e2e.Served]:
    """``marquee serve`` on a data dir seeded with the demo catalog (short 240p clips); every
    role unless ``E2E_ROLES`` says otherwise (``api,worker``: segments from the origin)."""
    _need_browser()
    roles = os.environ.get("E2E_ROLES", e2e.ALL_ROLES)
    with e2e.seeded_platform(tmp_path_factory.mktemp("platform"), roles) as served:
        yield served


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Headless Chromium, once for the browser tests.

    Not for the whole session: Playwright's sync API keeps an asyncio loop running on the main
    thread while it is open, so every later test calling ``asyncio.run`` would fail."""
    _need_browser()
    with e2e.chromium() as chromium:
        yield chromium


@pytest.fixture
def context(browser: Browser, platform: e2e.Served) -> Iterator[BrowserContext]:
    """A fresh browser context (no cookies, no storage) whose relative URLs go to the platform."""
    fresh = browser.new_context(base_url=platform.base, viewport={"width": 1280, "height": 800})
    fresh.set_default_timeout(TIMEOUT_MS)
    yield fresh
    fresh.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Generator[Page]:
    """A page of ``context``; its console is written next to the screenshots, and a failed
    test leaves a screenshot of where it stopped (``<test>-failed.png``)."""
    for stale in SCREENS.glob(f"{_slug(request.node.name)}-*"):
        stale.unlink()
    opened = context.new_page()
    console: list[str] = []

    def note(message: ConsoleMessage) -> None:
        console.append(f"{message.type}: {message.text}")

    opened.on("console", note)
    opened.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    opened.on("requestfailed", lambda failed: console.append(f"failed: {failed.url}"))
    opened.on("response", lambda answer: _note_refusal(console, answer))
    yield opened
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        _save(opened, request.node.name, "failed")
        SCREENS.joinpath(f"{_slug(request.node.name)}-console.log").write_text("\n".join(console))


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Screenshot:
    """``screenshot(page, "home")`` saves ``test-artifacts/screens/<test>-home.png``."""
    return lambda shown, step: _save(shown, request.node.name, step)


@pytest.fixture
def viewer(platform: e2e.Served) -> e2e.Viewer:
    """A new account on the two-stream plan, made through the API (not signed in anywhere)."""
    return e2e.new_viewer(platform.base, plan="standard")


@pytest.fixture
def signed_in(context: BrowserContext, platform: e2e.Served) -> SignedIn:
    """``signed_in(viewer)``: sign ``context`` in as ``viewer`` watching its first profile."""

    def sign(who: e2e.Viewer) -> None:
        e2e.sign_in(context, platform.base, who.email, who.password)
        e2e.select_profile(context, platform.base, who.profile_id)

    return sign


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep the call phase's report on the test, so fixtures can tell a failed test."""
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def _note_refusal(console: list[str], answer: Response) -> None:
    if answer.status >= 400:
        console.append(f"{answer.status}: {answer.request.method} {answer.url}")


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


def _save(shown: Page, test: str, step: str) -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{_slug(test)}-{_slug(step)}.png"
    shown.screenshot(path=str(path), full_page=True)
    return path
