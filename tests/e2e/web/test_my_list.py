"""My List and thumbs in headless Chromium (issue 21 item 1): the title page's "Add to My List"
and "Rate thumbs up"/"Rate thumbs down" toggles keep their state across a reload, the title
shows in the home page's "My List" row with a "Remove from My List" button on its card, and
the title page passes the axe audit with them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import browser as e2e
from tests.e2e.conftest import SignedIn
from tests.e2e.web.test_viewer_journey import MOVIE, MOVIE_NAME

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]


def test_a_title_goes_on_my_list_and_gets_a_thumb(
    page: Page, platform: e2e.Served, viewer: e2e.Viewer, signed_in: SignedIn
) -> None:
    signed_in(viewer)
    page.goto(f"/title/{platform.catalog.titles[MOVIE]}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(MOVIE_NAME)
    main = page.get_by_role("main")
    with page.expect_response(lambda answer: "/list/" in answer.url):
        main.get_by_role("button", name="Add to My List").click()
    up = main.get_by_role("button", name="Rate thumbs up")
    down = main.get_by_role("button", name="Rate thumbs down")
    with page.expect_response(lambda answer: "/ratings/" in answer.url):
        up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(down).to_have_attribute("aria-pressed", "false")
    assert e2e.accessibility_violations(page) == []

    page.reload()
    expect(main.get_by_role("button", name="Remove from My List")).to_be_visible()
    expect(up).to_have_attribute("aria-pressed", "true")
    with page.expect_response(lambda answer: "/ratings/" in answer.url):
        up.click()
    expect(up).to_have_attribute("aria-pressed", "false")

    page.goto("/browse")
    row = page.get_by_role("region", name="My List")
    expect(row.get_by_role("link", name=MOVIE_NAME)).to_be_visible()
    with page.expect_response(lambda answer: "/list/" in answer.url):
        row.get_by_role("button", name="Remove from My List").click()
    expect(row.get_by_role("button", name="Add to My List")).to_be_visible()
