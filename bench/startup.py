"""Playback start-up: time from the Play click to the first decoded frame, in headless Chromium.

A fresh platform seeded with the demo catalog (short 240p clips, as the browser tests seed it,
through ``tests/e2e/browser.py``), ``marquee serve`` on 127.0.0.1 with its edge role, one
viewer signed in; then each play opens a title page (a fresh document), clicks "Play" and waits
for the video's first frame (``requestVideoFrameCallback``). The time covers the player chunk,
the playback session, manifest, licence (ClearKey) and first segments. Target: p95 < 1 s.

    .venv/bin/python bench/startup.py [--plays 20] [--roles api,worker]

``--roles api,worker`` serves without the edge role: segments then come from the origin's
delivery route, on the web app's own origin.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Page
from tests.e2e import browser as e2e

#: Notes the click and the first frame of any video of the page shown while it plays, in the
#: page's own clock.
FIRST_FRAME_PROBE = """(() => {
  document.addEventListener('click', () => { window.__playClickAt = performance.now(); }, true);
  const watch = (video) => {
    if (video.__probed) return;
    video.__probed = true;
    // the first frame shown while the picture moves: Shaka may hold a start at rate 0
    const onFrame = () => {
      if (!video.paused && video.playbackRate > 0) window.__firstFrameAt ??= performance.now();
      else video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  };
  new MutationObserver(() => document.querySelectorAll('video').forEach(watch))
    .observe(document, { childList: true, subtree: true });
})();"""
FRAME_TIMEOUT_MS = 30_000
#: The title page's button: "Resume" once a title was played before.
PLAY = re.compile(r"^(Play|Resume)$")
TARGET_P95_MS = 1000


def percentile(samples: list[float], fraction: float) -> float:
    """The ``fraction`` percentile (inclusive method: within the measured range)."""
    return statistics.quantiles(samples, n=100, method="inclusive")[round(fraction * 100) - 1]


def play_once(page: Page, title_id: str) -> float:
    """Open the title page, click Play; milliseconds until the first decoded frame."""
    page.goto(f"/title/{title_id}")
    page.get_by_role("button", name=PLAY).click()
    page.wait_for_function("() => window.__firstFrameAt !== undefined", timeout=FRAME_TIMEOUT_MS)
    elapsed: float = page.evaluate("() => window.__firstFrameAt - window.__playClickAt")
    return elapsed


def titles_on_home(page: Page) -> list[str]:
    """Ids of the titles the home page offers this viewer (the ones licensed here)."""
    page.goto("/browse")
    page.get_by_test_id("title-card").first.wait_for()
    links = page.get_by_test_id("title-card").evaluate_all("(cards) => cards.map((a) => a.href)")
    return list(dict.fromkeys(link.rstrip("/").rsplit("/", 1)[-1] for link in links))


def measure(served: e2e.Served, plays: int) -> list[float]:
    viewer = e2e.new_viewer(served.base, plan="premium")
    with e2e.chromium() as chromium:
        context = chromium.new_context(base_url=served.base)
        context.add_init_script(FIRST_FRAME_PROBE)
        e2e.sign_in(context, served.base, viewer.email, viewer.password)
        e2e.select_profile(context, served.base, viewer.profile_id)
        page = context.new_page()
        titles = titles_on_home(page)
        play_once(page, titles[0])  # the first load fills the HTTP cache with the app
        samples = [play_once(page, titles[n % len(titles)]) for n in range(plays)]
        context.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plays", type=int, default=20)
    parser.add_argument("--roles", default=e2e.ALL_ROLES, help="roles of marquee serve")
    args = parser.parse_args()
    reason = e2e.missing_requirement()
    if reason:
        sys.exit(f"startup: {reason}")
    with (
        tempfile.TemporaryDirectory(prefix="marquee-startup-") as work,
        e2e.seeded_platform(Path(work), args.roles) as served,
    ):
        samples = measure(served, args.plays)
    p50, p95 = statistics.median(samples), percentile(samples, 0.95)
    print(f"play click → first frame, {len(samples)} plays (headless Chromium, loopback,")
    print(f"marquee serve --role {args.roles}):")
    print(f"  p50 {p50:.0f} ms   p95 {p95:.0f} ms   max {max(samples):.0f} ms")
    verdict = "within" if p95 < TARGET_P95_MS else "OVER"
    print(f"  p95 {verdict} the {TARGET_P95_MS} ms target")


if __name__ == "__main__":
    main()
