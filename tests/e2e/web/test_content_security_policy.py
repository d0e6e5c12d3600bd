"""The web app under its Content-Security-Policy (kit.security_headers): the served page
carries the policy, and signing in, browsing and playing a ClearKey title from the edge (another
origin) trip none of its directives."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e import browser as e2e
from tests.e2e.conftest import SignedIn
from tests.e2e.web.test_viewer_journey import (
    MOVIE,
    PLAY_TIMEOUT_MS,
    PLAYED_S,
    first_position,
    wait_for_time,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

#: Reports each violation of the page's policy to the test (``window.noteViolation``).
REPORT_VIOLATIONS = """document.addEventListener('securitypolicyviolation', (event) =>
    window.noteViolation(`${event.violatedDirective} blocked ${event.blockedURI}`));"""


def test_the_served_page_carries_a_policy_without_inline_script(platform: e2e.Served) -> None:
    answer = httpx.get(f"{platform.base}/browse", timeout=30)
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert " onload=" not in answer.text, "an inline handler the policy would block"
    assert not re.search(r"<script(?![^>]*\bsrc=)", answer.text), "an inline script"


def test_playing_a_title_trips_no_directive_of_the_policy(
    page: Page, platform: e2e.Served, viewer: e2e.Viewer, signed_in: SignedIn
) -> None:
    violations: list[str] = []

    def note(violation: str) -> None:
        violations.append(violation)

    page.expose_function("noteViolation", note)
    page.add_init_script(REPORT_VIOLATIONS)
    signed_in(viewer)
    page.goto("/browse")
    expect(page.locator("section[data-row-id]").first).to_be_visible()
    licence = re.compile(r"/api/v1/playback/sessions/[^/]+/license$")
    page.goto(f"/title/{platform.catalog.titles[MOVIE]}")
    with page.expect_response(licence, timeout=PLAY_TIMEOUT_MS) as licensed:
        page.get_by_role("button", name="Play", exact=True).click()
    assert licensed.value.ok, f"ClearKey licence: {licensed.value.status}"
    start = first_position(page)
    played = wait_for_time(page, start + PLAYED_S)
    assert played["frames"] > 0, f"no frame decoded: {played}"
    assert violations == [], f"the Content-Security-Policy blocked: {violations}"
