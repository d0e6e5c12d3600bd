"""axe-core audits the studio's title list and title editor (each tab) in headless Chromium,
at desktop and phone widths: any serious or critical violation fails (issue 28 item 6)."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshot
from tests.e2e.studio.test_studio_journey import create_title
from tests.e2e.web.test_accessibility import audit, described

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

TABS = ("Details", "Media", "Licences", "Publish", "Audit log")


@pytest.mark.usefixtures("editor_context")
def test_the_title_list_and_editor_have_no_serious_violation(
    page: Page, screenshot: Screenshot
) -> None:
    found: dict[str, list[str]] = {}
    name = f"Studio Audit {uuid.uuid4().hex[:6]}"
    create_title(page, name)
    for tab in TABS:
        page.get_by_role("link", name=tab, exact=True).click()
        expect(page.get_by_role("link", name=tab, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        page.wait_for_load_state("networkidle")
        audit(page, f"editor {tab}", found, screenshot)

    page.goto("/studio")
    expect(page.get_by_role("table", name="Titles")).to_contain_text(name)
    audit(page, "titles", found, screenshot)
    assert not found, described(found)
