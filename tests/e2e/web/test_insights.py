"""The studio's Insights screen in headless Chromium (issue 20 item 4): an analyst reads the
reports as a chart with the same figures as a table, cuts and filters them, exports the CSV,
gets a clear error for a range that ends before it starts; a viewer is refused the screen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e import browser as e2e
from tests.e2e.conftest import Screenshot
from tests.e2e.web.insights import admin_headers, make_analyst, report_rows, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

FILM = "the-last-lighthouse"
FILM_NAME = "The Last Lighthouse"


def utc_day(days_ago: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=days_ago)).isoformat()


def played_once(platform: e2e.Served) -> str:
    """A play of the film (a session started through the API), once it is in the lake."""
    title_id = platform.catalog.titles[FILM]
    e2e.start_stream(platform.base, e2e.new_viewer(platform.base), title_id)
    headers = admin_headers(platform)
    wait_for(
        lambda: report_rows(platform, headers, "viewing", group_by="title", title_id=title_id),
        bool,
    )
    return title_id


def test_an_analyst_reads_cuts_and_exports_the_reports(
    page: Page, context: BrowserContext, platform: e2e.Served, screenshot: Screenshot
) -> None:
    title_id = played_once(platform)
    analyst = make_analyst(platform)
    e2e.sign_in(context, platform.base, analyst.email, analyst.password)
    page.goto("/account")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()

    expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()
    studio_nav = page.get_by_role("navigation", name="Studio")
    expect(studio_nav.get_by_role("link", name="Insights")).to_be_visible()
    expect(studio_nav.get_by_role("link", name="Titles")).to_have_count(0)
    figures = page.get_by_role("region", name="Report figures")
    expect(figures.get_by_role("columnheader", name="Plays")).to_be_visible()
    expect(page.get_by_test_id("insights-chart").locator("canvas")).to_be_attached()
    expect(page.locator("figcaption")).to_contain_text("The table below gives every figure")
    screenshot(page, "viewing")
    assert e2e.accessibility_violations(page) == []

    page.get_by_role("combobox", name="Report").select_option(label="Quality")
    expect(figures.get_by_role("columnheader", name="Startup p50 (ms)")).to_be_visible()
    page.get_by_role("combobox", name="Report").select_option(label="Viewing")
    page.get_by_label("Group by").select_option("title")
    page.get_by_role("button", name="Show").click()
    # Analysts may not list the studio's titles: they see the film's id where admins see its name.
    film_row = figures.get_by_role("row").filter(has_text=re.compile(f"{FILM_NAME}|{title_id}"))
    expect(film_row).to_be_visible()
    screenshot(page, "viewing-by-title")
    assert e2e.accessibility_violations(page) == []

    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    exported = Path(download.value.path()).read_text().splitlines()
    assert exported[0].split(",")[:2] == ["title_id", "plays"], exported[:2]
    assert len(exported) >= 2, "one line per title after the header"


def test_a_range_ending_before_it_starts_says_so_and_keeps_the_figures(
    page: Page, context: BrowserContext, platform: e2e.Served
) -> None:
    played_once(platform)
    analyst = make_analyst(platform)
    e2e.sign_in(context, platform.base, analyst.email, analyst.password)
    page.goto("/studio/insights")
    figures = page.get_by_role("region", name="Report figures")
    expect(figures.get_by_role("columnheader", name="Plays")).to_be_visible()
    rows_before = figures.get_by_role("row").count()

    page.get_by_label("From").fill(utc_day(1))
    page.get_by_label("To").fill(utc_day(3))
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_role("alert")).to_contain_text(re.compile("from|to|after|before", re.I))
    expect(figures.get_by_role("row")).to_have_count(rows_before)


def test_a_viewer_has_no_insights(
    page: Page, context: BrowserContext, platform: e2e.Served, viewer: e2e.Viewer
) -> None:
    e2e.sign_in(context, platform.base, viewer.email, viewer.password)
    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Insights")).to_have_count(0)
    page.goto("/studio/insights")
    expect(page).to_have_url(re.compile(r"/forbidden$"))
