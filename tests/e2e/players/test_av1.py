"""One playback session of a title with H.264 and AV1 renditions (docs/media.md), played by
Shaka on DASH in Chromium: Chromium decodes AV1, so the encrypted AV1 renditions play; the
same session in a page whose browser says it cannot decode AV1 plays the H.264 ones. Which
codec played is told by the segments fetched (AV1 renditions are in ``video/av1-*/``)."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Request
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.players.conftest import Pages, Playback, StartSession
from tests.e2e.players.test_interop import PLAY_TIMEOUT_MS, PLAYED_S, SETTLED

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.usefixtures("players_installed"),
]

#: A browser without AV1: Media Source and Media Capabilities (Shaka asks both) say no to it.
WITHOUT_AV1 = """(() => {
  const av1 = (type) => /av01/.test(type || '');
  const supported = MediaSource.isTypeSupported.bind(MediaSource);
  MediaSource.isTypeSupported = (type) => !av1(type) && supported(type);
  const capabilities = navigator.mediaCapabilities;
  const decodingInfo = capabilities.decodingInfo.bind(capabilities);
  capabilities.decodingInfo = (config) => av1(config.video && config.video.contentType)
    ? Promise.resolve({ supported: false, smooth: false, powerEfficient: false })
    : decodingInfo(config);
})();"""


def play(page: Page, pages: Pages, playback: Playback) -> tuple[dict[str, Any], list[str]]:
    """Shaka plays the session's MPD to :data:`PLAYED_S`; the state and the video folders
    (``av1-240p``, ``180p``…) whose segments it fetched."""
    folders: list[str] = []

    def seen(request: Request) -> None:
        path = request.url.split("?", 1)[0]
        if "/video/" in path and "/seg-" in path:
            folders.append(path.split("/video/", 1)[1].split("/", 1)[0])

    page.on("request", seen)
    page.goto(pages.url("same-origin"))
    page.evaluate(
        "([scripts, session]) => { window.interop.play(scripts, session); }",
        [pages.scripts("shaka"), playback.for_page("dash")],
    )
    with suppress(PlaywrightTimeoutError):
        page.wait_for_function(SETTLED, arg=PLAYED_S, timeout=PLAY_TIMEOUT_MS)
    return page.evaluate("() => window.interop.state()"), sorted(set(folders))


def test_chromium_plays_av1_and_a_browser_without_it_h264_from_one_session(
    context: BrowserContext, pages: Pages, start_session: StartSession
) -> None:
    playback = start_session()
    state, folders = play(context.new_page(), pages, playback)
    assert state["time"] >= PLAYED_S, state
    assert state["frames"] > 0, state
    assert folders, "no video segment fetched"
    assert all(f.startswith("av1-") for f in folders), folders

    h264_only = context.new_page()
    h264_only.add_init_script(WITHOUT_AV1)
    state, folders = play(h264_only, pages, playback)
    assert state["time"] >= PLAYED_S, state
    assert state["frames"] > 0, state
    assert folders, "no video segment fetched"
    assert not any(f.startswith("av1-") for f in folders), folders
