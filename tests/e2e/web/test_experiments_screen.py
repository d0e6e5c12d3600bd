"""The studio's Experiments screen in headless Chromium (issue 22): an admin defines an
experiment as JSON, starts it, reads its results with the difference's interval drawn and the
sequential test's decision, and stops it. And the player: without ``?abr=`` it takes the rule
of the profile's variant and reports the exposure once it plays."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e import browser as e2e
from tests.e2e.conftest import Screenshot
from tests.e2e.web.insights import admin_headers, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

FILM = "the-last-lighthouse"
METRIC = "plays_per_member"


def variant_of(platform: e2e.Served, viewer: e2e.Viewer, key: str) -> str:
    answer = httpx.get(
        f"{platform.base}/api/v1/experiments/assignments",
        params={"profile_id": viewer.profile_id},
        headers=e2e.log_in(platform.base, viewer.email, viewer.password),
        timeout=30,
    )
    answer.raise_for_status()
    return str(next(a["variant"] for a in answer.json()["assignments"] if a["experiment"] == key))


def expose(platform: e2e.Served, key: str) -> None:
    """Two exposed members per variant, the first of each with a play of the film, so that
    each variant's plays vary and the difference has an interval."""
    per_variant: dict[str, list[e2e.Viewer]] = {"control": [], "treated": []}
    while any(len(found) < 2 for found in per_variant.values()):
        viewer = e2e.new_viewer(platform.base)
        found = per_variant[variant_of(platform, viewer, key)]
        if len(found) == 2:
            continue
        if not found:
            e2e.start_stream(platform.base, viewer, platform.catalog.titles[FILM])
        found.append(viewer)
        answer = httpx.post(
            f"{platform.base}/api/v1/experiments/{key}/exposures",
            json={"profile_id": viewer.profile_id},
            headers=e2e.log_in(platform.base, viewer.email, viewer.password),
            timeout=30,
        )
        answer.raise_for_status()


def results(platform: e2e.Served, key: str) -> dict[str, Any] | None:
    answer = httpx.get(
        f"{platform.base}/api/v1/experiments/{key}/results",
        headers=admin_headers(platform),
        timeout=30,
    )
    return answer.json() if answer.status_code == 200 else None


def measured(found: dict[str, Any] | None) -> bool:
    """Both variants' units are counted and the treated one has a difference to draw."""
    if found is None or any(v["units"] < 2 for v in found["variants"]):
        return False
    treated = found["variants"][1]["metrics"]
    return any(m["metric"] == METRIC and m["difference"] for m in treated)


def test_an_admin_defines_starts_reads_and_stops_an_experiment(
    page: Page, context: BrowserContext, platform: e2e.Served, screenshot: Screenshot
) -> None:
    key = f"screen-{uuid.uuid4().hex[:8]}"
    definition = {
        "key": key,
        "hypothesis": "Nothing changes: an A/A test of the screen",
        "unit": "profile",
        "variants": [
            {"key": "control", "weight": 50, "parameters": {}},
            {"key": "treated", "weight": 50, "parameters": {}},
        ],
        "metrics": {"primary": METRIC},
    }
    admin = platform.catalog.admin
    e2e.sign_in(context, platform.base, admin.email, admin.password)
    page.goto("/studio")
    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Experiments").click()
    expect(page.get_by_role("heading", name="Experiments", level=1)).to_be_visible()

    page.get_by_label("Definition (JSON)").fill(json.dumps(definition))
    page.get_by_role("button", name="Define experiment").click()
    experiments = page.get_by_role("table", name="Experiments")
    expect(experiments.get_by_role("row").filter(has_text=key)).to_contain_text("draft")
    page.get_by_role("button", name=f"Start {key}").click()
    expect(experiments.get_by_role("row").filter(has_text=key)).to_contain_text("running")

    expose(platform, key)
    assert measured(wait_for(lambda: results(platform, key), measured))
    page.get_by_role("button", name=f"Results of {key}").click()

    shown = page.get_by_role("region", name=f"Results of {key}")
    expect(shown.get_by_role("table", name="Units per variant")).to_contain_text("treated")
    chart = shown.get_by_role(
        "img", name=f"Difference in {METRIC} from the control, with 95% sequential intervals"
    )
    expect(chart.locator("[data-variant='treated'] line")).to_be_attached()
    figures = shown.get_by_role("table", name=f"{METRIC} by variant")
    expect(figures.get_by_role("columnheader", name="Sequential decision")).to_be_visible()
    expect(figures).to_contain_text("day 1 of 14")
    expect(shown.get_by_role("alert")).to_have_count(0)
    screenshot(page, "results")
    assert e2e.accessibility_violations(page) == []

    page.get_by_role("button", name=f"Stop {key}").click()
    expect(experiments.get_by_role("row").filter(has_text=key)).to_contain_text("stopped")


def test_the_player_plays_with_its_variants_abr_rule_and_reports_the_exposure(
    page: Page, context: BrowserContext, platform: e2e.Served
) -> None:
    key = f"abr-{uuid.uuid4().hex[:8]}"
    variants = [
        {"key": "control", "weight": 50, "parameters": {"abr": "marquee"}},
        {"key": "treated", "weight": 50, "parameters": {"abr": "shaka"}},
    ]
    admin = admin_headers(platform)
    created = httpx.post(
        f"{platform.base}/api/v1/experiments",
        json={"key": key, "unit": "profile", "variants": variants},
        headers=admin,
        timeout=30,
    )
    created.raise_for_status()
    httpx.post(f"{platform.base}/api/v1/experiments/{key}/start", headers=admin, timeout=30)
    try:
        viewer = e2e.new_viewer(platform.base)
        assigned = variant_of(platform, viewer, key)
        e2e.sign_in(context, platform.base, viewer.email, viewer.password)
        e2e.select_profile(context, platform.base, viewer.profile_id)
        exposures = f"/api/v1/experiments/{key}/exposures"
        with page.expect_request(
            lambda sent: sent.method == "POST" and sent.url.endswith(exposures), timeout=60_000
        ) as reported:
            page.goto(f"/watch/{platform.catalog.titles[FILM]}")
        assert reported.value.post_data_json == {"profile_id": viewer.profile_id}
        answer = reported.value.response()
        assert answer is not None
        assert answer.status == 202
        assert answer.json()["variant"] == assigned
        expect(page.get_by_test_id("player-error")).to_have_count(0)
    finally:
        httpx.post(f"{platform.base}/api/v1/experiments/{key}/stop", headers=admin, timeout=30)
