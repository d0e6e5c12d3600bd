"""The end of an episode in headless Chromium (issue 28 item 3): the next episode starts by
itself after the countdown; cancelling it by keyboard stays on the end screen; a profile with
autoplay off gets no countdown; the end of a film offers the titles of the profile's "Because You
Watched" row. The names are those of docs/web.md."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e import browser as e2e
from tests.e2e.conftest import SignedIn
from tests.e2e.web.test_viewer_journey import MOVIE, MOVIE_NAME, PLAY_TIMEOUT_MS, first_position

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

SERIES = "harbour-lights"
FIRST = "S1 E1: The First Light"
SECOND = "S1 E2: Fog Signals"
#: The player's countdown (web/src/app/player/post-play.ts). The countdown tests run the page's
#: clock through it (Playwright's fake timers) instead of waiting for it.
COUNTDOWN_S = 10
#: What the page may take to act on the end of the countdown (the next episode's route).
ACTION_MS = 1_000


#: A film another viewer watched along with the movie.
CO_WATCHED = ("velvet-hours", "Velvet Hours")


def play_first_episode_to_its_end(page: Page, platform: e2e.Served) -> None:
    page.goto(f"/title/{platform.catalog.titles[SERIES]}")
    page.get_by_role("button", name=f"Play {FIRST}").click()
    expect(page).to_have_url(re.compile(r"/watch/.+\?episode="))
    play_to_the_end(page)


def play_to_the_end(page: Page) -> None:
    first_position(page)
    page.get_by_test_id("video").evaluate("(v) => { v.currentTime = v.duration - 0.5; }")
    expect(page.get_by_test_id("player")).to_have_attribute(
        "data-state", "ended", timeout=PLAY_TIMEOUT_MS
    )


def test_the_next_episode_starts_after_the_countdown(
    page: Page, platform: e2e.Served, viewer: e2e.Viewer, signed_in: SignedIn
) -> None:
    page.clock.install()
    signed_in(viewer)
    play_first_episode_to_its_end(page, platform)
    first_url = page.url
    up_next = page.get_by_role("complementary", name="Up next")
    expect(up_next).to_contain_text(SECOND)
    expect(up_next.get_by_role("timer")).to_have_text(re.compile(r"Playing in \d+ s"))

    page.clock.run_for(COUNTDOWN_S * 1000)
    expect(page).not_to_have_url(first_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text(SECOND, timeout=PLAY_TIMEOUT_MS)
    assert first_position(page) < COUNTDOWN_S, "the next episode starts from its beginning"


def test_cancelling_the_countdown_by_keyboard_stays_on_the_end_screen(
    page: Page, platform: e2e.Served, viewer: e2e.Viewer, signed_in: SignedIn
) -> None:
    page.clock.install()
    signed_in(viewer)
    play_first_episode_to_its_end(page, platform)
    ended_at = page.url
    up_next = page.get_by_role("complementary", name="Up next")
    expect(up_next.get_by_role("button", name="Play now")).to_be_focused()
    page.keyboard.press("Tab")
    expect(up_next.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Enter")
    expect(up_next.get_by_role("timer")).to_have_count(0)

    page.clock.run_for(COUNTDOWN_S * 1000 + 2_000)
    page.wait_for_timeout(ACTION_MS)
    assert page.url == ended_at
    expect(page.get_by_test_id("player")).to_have_attribute("data-state", "ended")
    expect(up_next).to_contain_text(SECOND)


def test_with_autoplay_off_the_end_screen_has_no_countdown(
    page: Page, platform: e2e.Served, viewer: e2e.Viewer, signed_in: SignedIn
) -> None:
    signed_in(viewer)
    page.goto("/profiles/manage")
    page.get_by_role("button", name="Edit").first.click()
    page.get_by_label("Autoplay next episode").uncheck()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text(f"{viewer.profile_name} is saved.")).to_be_visible()

    play_first_episode_to_its_end(page, platform)
    up_next = page.get_by_role("complementary", name="Up next")
    expect(up_next).to_contain_text(SECOND)
    expect(up_next.get_by_role("button", name="Play now")).to_be_visible()
    expect(up_next.get_by_role("timer")).to_have_count(0)
    expect(up_next.get_by_role("button", name="Cancel")).to_have_count(0)


def with_because_row(route: Route, movie_id: str, movie_name: str, offered: str) -> None:
    """Answer the real browse rows plus the "Because You Watched" row of ``movie_id`` offering
    ``offered`` (taken from the real rows), as a larger catalog would have it: among the demo's
    twelve titles the Top 10 claims every title anyone played, which leaves that row empty."""
    answer = route.fetch()
    browse = answer.json()
    items = [item for row in browse["rows"] for item in row["items"] if item["title"] == offered]
    browse["rows"].append(
        {
            "id": f"because-{movie_id}",
            "title": f"Because You Watched {movie_name}",
            "reason": f"Viewers who watched {movie_name} also watched these",
            "items": items[:1],
        }
    )
    route.fulfill(response=answer, json=browse)


def test_the_end_of_a_film_offers_titles_because_you_watched_it(
    page: Page, platform: e2e.Served, viewer: e2e.Viewer, signed_in: SignedIn
) -> None:
    other = e2e.new_viewer(platform.base)
    for slug in (MOVIE, CO_WATCHED[0]):
        e2e.start_stream(platform.base, other, platform.catalog.titles[slug])
    movie_id = platform.catalog.titles[MOVIE]
    # on the context: the app's service worker makes the page's requests, which page routes miss
    page.context.route(
        re.compile(r".*/api/v1/browse\?.*"),
        lambda route: with_because_row(route, movie_id, MOVIE_NAME, CO_WATCHED[1]),
    )
    signed_in(viewer)
    page.goto(f"/title/{movie_id}")
    page.get_by_role("button", name="Play", exact=True).click()
    play_to_the_end(page)

    offers = page.get_by_role("complementary", name=f"Because You Watched {MOVIE_NAME}")
    expect(offers.get_by_role("link", name=CO_WATCHED[1])).to_be_visible()
    expect(offers.get_by_test_id("title-card")).to_have_count(1)
    expect(page.get_by_role("timer")).to_have_count(0)
