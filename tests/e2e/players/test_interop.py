"""The players people use, from npm, play an encrypted title's playback session in Chromium
with ClearKey through the session's licence URL: from a page on the platform's origin and
from a page on another origin (docs/players.md).

Each case: the page loads the player and starts it on the session's DASH or HLS manifest
(``pages/<player>.js``); the video must reach 5 s, frames must be decoded (a CENC stream with
a missing key stalls without an error, shared/design.md section 5), and a request to the
licence URL must be answered 200.

Video.js plays HLS through VHS, whose playlist parser knows no ClearKey ``EXT-X-KEY`` (only
Widevine, PlayReady and FairPlay key formats; any other key is an AES-128 segment key it
fetches and decrypts itself), so Video.js is asked for DASH only.
"""

from __future__ import annotations

from collections import Counter
from contextlib import suppress
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.players.conftest import Pages, Playback, StartSession

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.usefixtures("players_installed"),  # before the platform is made
]

#: (player, format): each player with each format it plays.
CASES = [
    ("dashjs", "dash"),
    ("hlsjs", "hls"),
    ("shaka", "dash"),
    ("shaka", "hls"),
    ("videojs", "dash"),
]
ORIGINS = ["same-origin", "other-origin"]
PLAYED_S = 5.0
#: From opening the page to 5 s played, on a loaded 2-core machine.
PLAY_TIMEOUT_MS = 30_000
#: Reached the position, or gave up: a fatal player error or a media error.
SETTLED = """(at) => { const v = document.querySelector('video');
    return v !== null && (v.currentTime >= at || v.error !== null || window.interop.fatal); }"""


class Observed:
    """What the page did on the network and said on its console, for the failure message."""

    def __init__(self, page: Page, playback: Playback) -> None:
        self.license_url = playback.license_url
        self.licence_answers: list[str] = []
        self.notes: list[str] = []
        page.on("response", self._answered)
        page.on("requestfailed", self._failed)
        page.on("console", self._console)

    def licence_answered(self) -> bool:
        return any(answer.endswith(" 200") for answer in self.licence_answers)

    def _answered(self, answer: Response) -> None:
        request = answer.request
        if answer.url.split("?", 1)[0] == self.license_url:
            self.licence_answers.append(f"{request.method} {answer.status}")
        if answer.status >= 400:
            self.notes.append(f"{answer.status} {request.method} {_short(answer.url)}")

    def _failed(self, request: Request) -> None:
        self.notes.append(f"failed {request.method} {_short(request.url)}: {request.failure}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.notes.append(f"console {message.type}: {message.text[:500]}")

    def report(self, state: dict[str, Any]) -> str:
        lines = [
            f"video: t={state['time']:.2f} s, frames={state['frames']},"
            f" readyState={state['readyState']}, error={state['videoError']}",
            f"licence requests: {_counted(self.licence_answers) or 'none'}",
            *(f"player: {error}" for error in state["errors"][:8]),
            *_counted(self.notes)[:12],
        ]
        return "\n  ".join(lines)


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize(("player", "fmt"), CASES, ids=[f"{p}-{f}" for p, f in CASES])
def test_a_player_plays_an_encrypted_session_with_clearkey(
    page: Page,
    pages: Pages,
    start_session: StartSession,
    player: str,
    fmt: str,
    origin: str,
) -> None:
    playback = start_session()
    observed = Observed(page, playback)
    page.goto(pages.url(origin))
    page.evaluate(
        "([scripts, session]) => { window.interop.play(scripts, session); }",
        [pages.scripts(player), playback.for_page(fmt)],
    )
    with suppress(PlaywrightTimeoutError):  # what it reached is told below
        page.wait_for_function(SETTLED, arg=PLAYED_S, timeout=PLAY_TIMEOUT_MS)
    state: dict[str, Any] = page.evaluate("() => window.interop.state()")
    what = f"{player} on {fmt.upper()} from {origin.replace('-', ' ')}"

    assert state["time"] >= PLAYED_S, (
        f"{what}: did not play {PLAYED_S:g} s\n  {observed.report(state)}"
    )
    assert state["frames"] > 0, f"{what}: no frame decoded\n  {observed.report(state)}"
    assert observed.licence_answered(), (
        f"{what}: no licence request answered 200\n  {observed.report(state)}"
    )


def _counted(lines: list[str]) -> list[str]:
    """Each distinct line once, in order, with how many times it came when more than once."""
    return [f"{line} ×{n}" if n > 1 else line for line, n in Counter(lines).items()]


def _short(url: str) -> str:
    """A URL without its signed path's middle, to keep messages readable."""
    return url if len(url) <= 120 else f"{url[:60]}…{url[-50:]}"
