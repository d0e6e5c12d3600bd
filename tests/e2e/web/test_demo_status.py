"""The home page says how many demo titles are still being prepared (``GET
/api/v1/demo/status``, served by ``marquee demo`` only) and stops saying it when none are."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e import browser as e2e
from tests.e2e.conftest import SignedIn

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

#: The home page asks again every 10 s while titles are being prepared.
POLL_MS = 10_000
SLACK_MS = 5_000
APPEAR = "each appears here when it is ready."


def test_the_home_page_counts_the_demo_titles_still_being_prepared(
    page: Page, viewer: e2e.Viewer, signed_in: SignedIn
) -> None:
    preparing = [3]

    def demo_status(route: Route) -> None:
        route.fulfill(json={"titles_ready": 12 - preparing[0], "titles_preparing": preparing[0]})

    page.route("**/api/v1/demo/status", demo_status)
    signed_in(viewer)
    page.goto("/browse")
    notice = page.get_by_role("status").filter(has_text="still being prepared")
    expect(notice).to_have_text(f"3 titles are still being prepared; {APPEAR}")
    preparing[0] = 0
    expect(notice).to_have_count(0, timeout=POLL_MS + SLACK_MS)


def test_outside_the_demo_the_home_page_says_nothing_of_it(
    page: Page, viewer: e2e.Viewer, signed_in: SignedIn
) -> None:
    signed_in(viewer)
    page.goto("/browse")
    expect(page.get_by_role("region").first).to_be_visible()
    expect(page.get_by_text("still being prepared")).to_have_count(0)
