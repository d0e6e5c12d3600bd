"""axe-core audits the viewer's main screens in headless Chromium, each once it shows its
content: any serious or critical violation fails (issue 28 item 6). The studio's screens are
audited in tests/e2e/studio/test_studio_accessibility.py."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import browser as e2e
from tests.e2e.conftest import Screenshot, SignedIn
from tests.e2e.web.test_post_play import FIRST, SERIES
from tests.e2e.web.test_viewer_journey import MOVIE, MOVIE_NAME, first_position, search

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def audit(page: Page, screen: str, found: dict[str, list[str]], screenshot: Screenshot) -> None:
    """Note the screen's violations at desktop and phone widths under ``screen``."""
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        violations = e2e.accessibility_violations(page)
        if violations:
            found[f"{screen} ({size})"] = violations
            screenshot(page, f"{screen}-{size}")
    page.set_viewport_size(DESKTOP)


def described(found: dict[str, list[str]]) -> str:
    return "axe-core found:\n" + "\n".join(
        f"  {screen}: {violation}"
        for screen, violations in found.items()
        for violation in violations
    )


def test_the_signed_out_screens_have_no_serious_violation(
    page: Page, screenshot: Screenshot
) -> None:
    found: dict[str, list[str]] = {}
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit(page, "landing", found, screenshot)
    page.goto("/signin")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    audit(page, "sign-in", found, screenshot)
    assert not found, described(found)


def test_the_signed_in_screens_have_no_serious_violation(
    page: Page,
    screenshot: Screenshot,
    platform: e2e.Served,
    viewer: e2e.Viewer,
    signed_in: SignedIn,
) -> None:
    found: dict[str, list[str]] = {}
    signed_in(viewer)
    page.goto("/profiles")
    expect(page.get_by_role("button", name=viewer.profile_name, exact=True)).to_be_visible()
    audit(page, "profile picker", found, screenshot)

    page.goto("/profiles/manage")
    page.get_by_role("button", name="Edit").first.click()
    expect(page.get_by_label("Autoplay next episode")).to_be_checked()
    audit(page, "manage profiles", found, screenshot)

    page.goto("/browse")
    expect(
        page.locator("section[data-row-id]").first.get_by_test_id("title-card").first
    ).to_be_visible()
    audit(page, "home", found, screenshot)

    search(page, MOVIE_NAME)
    expect(page.get_by_test_id("title-card").filter(has_text=MOVIE_NAME).first).to_be_visible()
    audit(page, "search", found, screenshot)

    page.goto(f"/title/{platform.catalog.titles[MOVIE]}")
    expect(page.get_by_role("heading", level=1)).to_have_text(MOVIE_NAME)
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()
    audit(page, "title", found, screenshot)

    page.goto(f"/title/{platform.catalog.titles[SERIES]}")
    expect(page.get_by_role("button", name=f"Play {FIRST}")).to_be_visible()
    audit(page, "series", found, screenshot)

    page.goto(f"/title/{platform.catalog.titles[MOVIE]}")
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page).to_have_url(re.compile(r"/watch/"))
    first_position(page)
    audit(page, "watch", found, screenshot)

    page.goto("/account")
    expect(page.get_by_role("heading", name="Devices")).to_be_visible()
    audit(page, "account", found, screenshot)
    assert not found, described(found)
