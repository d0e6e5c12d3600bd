"""The reports tell the truth (issue 20, "Truth and speed"): films played in headless Chromium,
one on a throttled network so that it stalls, and the quality and viewing reports give the
startup time, stall count and viewing time the page itself measured, within 10 %.

The page's own measures come from a probe of the raw browser events, independent of the
player's telemetry: the Play click, the video's first presented frame, ``waiting`` after it
first played (a stall, until ``playing``), and the time between ``playing`` and ``waiting``,
``pause`` or ``ended``. Each test plays from a browser of its own device name, so the other
browser tests' plays of the same films stay out of its report rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from marquee.identity.sessions import device_name
from tests.e2e import browser as e2e
from tests.e2e.web.insights import admin_headers, report_rows, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

TOLERANCE = 0.10
PLAY = re.compile(r"^(Play|Resume)$")
END_TIMEOUT_MS = 120_000
#: Chromium's words, on no operating system the platform names: a device of its own.
USER_AGENT = (
    "Mozilla/5.0 (X11; TruthTest) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/140.0.0.0 Safari/537.36"
)
#: Below the 240p clips' rate (about 34 kB/s, video and audio), so the buffer runs dry while
#: playing; not far below, so that the film is over in about 20 s.
SLOW_BYTES_PER_S = 20_000

PROBE = """(() => {
  const seen = (window.__truth = { stalls: 0, playedMs: 0, ended: false });
  let playingSince = null, hasPlayed = false, stalled = false;
  const stopClock = () => {
    if (playingSince === null) return;
    seen.playedMs += performance.now() - playingSince;
    playingSince = null;
  };
  document.addEventListener('click', () => { seen.clickAt = performance.now(); }, true);
  document.addEventListener('playing', () => {
    hasPlayed = true; stalled = false; playingSince ??= performance.now();
  }, true);
  document.addEventListener('waiting', (event) => {
    stopClock();
    if (hasPlayed && !stalled && !event.target.seeking) { stalled = true; seen.stalls += 1; }
  }, true);
  document.addEventListener('pause', stopClock, true);
  document.addEventListener('ended', () => { stopClock(); seen.ended = true; }, true);
  const watch = (video) => {
    if (video.__truth) return;
    video.__truth = true;
    video.requestVideoFrameCallback(() => { seen.firstFrameAt ??= performance.now(); });
  };
  new MutationObserver(() => document.querySelectorAll('video').forEach(watch))
    .observe(document, { childList: true, subtree: true });
})();"""


@dataclass(frozen=True)
class Measured:
    startup_ms: float
    stalls: float
    played_s: float


@pytest.fixture
def own_device(browser: Browser, platform: e2e.Served) -> Iterator[BrowserContext]:
    """A browser context whose sign-ins carry ``USER_AGENT``, with the probe in every page
    and no service worker."""
    fresh = browser.new_context(
        base_url=platform.base,
        viewport={"width": 1280, "height": 800},
        user_agent=USER_AGENT,
        # The page's own requests, so that DevTools' throttling of the page applies to them.
        service_workers="block",
    )
    fresh.add_init_script(PROBE)
    yield fresh
    fresh.close()


def play_to_the_end(
    context: BrowserContext, platform: e2e.Served, slug: str, bytes_per_s: int | None = None
) -> Measured:
    """A new viewer plays the film from its title page to its end, the network throttled to
    ``bytes_per_s`` once the player opens; what the page measured."""
    viewer = e2e.new_viewer(platform.base)
    e2e.sign_in(context, platform.base, viewer.email, viewer.password)
    e2e.select_profile(context, platform.base, viewer.profile_id)
    page = context.new_page()
    page.goto(f"/title/{platform.catalog.titles[slug]}")
    page.get_by_role("button", name=PLAY).click()
    if bytes_per_s is not None:
        # Once the player's code is in (Shaka alone is ~200 kB): the media are what crawls.
        page.get_by_test_id("video").wait_for(state="attached")
        throttle(context, page, bytes_per_s)
    page.wait_for_function("() => window.__truth.ended", timeout=END_TIMEOUT_MS)
    seen: dict[str, Any] = page.evaluate("() => window.__truth")
    page.goto("about:blank")  # leaving: the player's last events go out with keepalive
    page.close()
    return Measured(
        startup_ms=seen["firstFrameAt"] - seen["clickAt"],
        stalls=seen["stalls"],
        played_s=seen["playedMs"] / 1000,
    )


def throttle(context: BrowserContext, page: Page, bytes_per_s: int) -> None:
    """Every request of ``page`` at ``bytes_per_s`` down (Chromium's DevTools throttling)."""
    devtools = context.new_cdp_session(page)
    devtools.send("Network.enable")
    devtools.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 40,
            "downloadThroughput": bytes_per_s,
            "uploadThroughput": -1,
        },
    )


def reported(platform: e2e.Served, title_id: str, page_measured: Measured) -> Measured:
    """What the quality and viewing reports say of this device's plays of the film, once the
    played time the page measured has reached the lake (or the wait is over)."""
    headers = admin_headers(platform)
    device = device_name(USER_AGENT)

    def read() -> Measured:
        query = {"group_by": "device", "title_id": title_id}
        quality = row_of(report_rows(platform, headers, "quality", **query), device)
        viewing = row_of(report_rows(platform, headers, "viewing", **query), device)
        hours = viewing.get("viewing_hours") or 0.0
        return Measured(
            startup_ms=quality.get("startup_p50_ms") or 0.0,
            stalls=(quality.get("stalls_per_hour") or 0.0) * hours,
            played_s=hours * 3600,
        )

    answer: Measured = wait_for(
        read, lambda got: got.played_s >= page_measured.played_s * (1 - TOLERANCE)
    )
    return answer


def row_of(rows: list[dict[str, Any]], device: str) -> dict[str, Any]:
    return next((row for row in rows if row.get("device") == device), {})


def assert_close(what: str, got: float, expected: float) -> None:
    assert abs(got - expected) <= TOLERANCE * expected, (
        f"{what}: the report says {got:.2f}, the page measured {expected:.2f}"
    )


def test_the_reports_give_what_the_page_measured(
    own_device: BrowserContext, platform: e2e.Served
) -> None:
    page_measured = play_to_the_end(own_device, platform, "the-last-lighthouse")
    got = reported(platform, platform.catalog.titles["the-last-lighthouse"], page_measured)

    assert_close("startup (ms)", got.startup_ms, page_measured.startup_ms)
    assert_close("viewing time (s)", got.played_s, page_measured.played_s)
    assert round(got.stalls) == page_measured.stalls


def test_on_a_slow_network_the_reports_count_the_stalls_the_page_saw(
    own_device: BrowserContext, platform: e2e.Served
) -> None:
    page_measured = play_to_the_end(own_device, platform, "fault-lines", SLOW_BYTES_PER_S)
    assert page_measured.stalls >= 1, "the throttled network should make playback stall"
    got = reported(platform, platform.catalog.titles["fault-lines"], page_measured)

    assert_close("startup (ms)", got.startup_ms, page_measured.startup_ms)
    assert_close("stalls", got.stalls, page_measured.stalls)
    assert_close("viewing time (s)", got.played_s, page_measured.played_s)
