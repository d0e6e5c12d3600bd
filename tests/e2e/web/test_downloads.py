"""Downloads in the installed web app (issue 25), by the accessible names of docs/web.md: a
film downloaded with Shaka's offline storage plays with the network off after a reload (the
service worker starts the app) and its play reaches the server once back online; revoked from
elsewhere, it is deleted saying why; past its expiry it refuses to play, saying so, and offers
renewal once online; a plan's device limit names the devices that hold downloads; a downgrade
to fewer devices revokes the download of the device seen least recently once it is back online.

The service worker is the production build's (`make web`); Playwright contexts allow service
workers by default, so the app registers it on the served origin (127.0.0.1 is a secure one).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e import browser as e2e
from tests.e2e.conftest import Screenshot, SignedIn

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

MOVIE = "tidepool"
MOVIE_NAME = "Tidepool"
PLAYED_S = 5.0
TIMEOUT_MS = 30_000
#: Past the default 30 days to start a download (MARQUEE_DOWNLOADS_LICENSE_DAYS).
LATER = timedelta(days=31)

#: Names of the progress bars the page shows, recorded as they appear (a tiny clip downloads
#: faster than a locator polls).
WATCH_PROGRESSBARS = """() => {
    window.__progressbars = [];
    new MutationObserver(() => {
        for (const bar of document.querySelectorAll('progress, [role=progressbar]')) {
            const name = bar.getAttribute('aria-label');
            if (name && !window.__progressbars.includes(name)) window.__progressbars.push(name);
        }
    }).observe(document.body, { childList: true, subtree: true });
}"""

VIDEO_PLAYED = """(t) => { const v = document.querySelector('[data-testid="video"]');
    return v !== null && v.currentTime >= t
        && v.getVideoPlaybackQuality().totalVideoFrames > 0; }"""


#: This device's id for the downloads API, as the app keeps it (IndexedDB).
DEVICE_ID = """() => new Promise((resolve, reject) => {
    const opened = indexedDB.open('marquee-downloads');
    opened.onerror = () => reject(opened.error);
    opened.onsuccess = () => {
        const read = opened.result.transaction('settings').objectStore('settings').get('device_id');
        read.onsuccess = () => resolve(read.result);
    };
})"""

#: How many downloads Shaka's offline storage holds (its IndexedDB manifest stores).
STORED_MANIFESTS = """() => new Promise((resolve, reject) => {
    const opened = indexedDB.open('shaka_offline_db');
    opened.onerror = () => reject(opened.error);
    opened.onsuccess = () => {
        const names = [...opened.result.objectStoreNames].filter((n) => n.startsWith('manifest'));
        if (!names.length) return resolve(0);
        const reading = opened.result.transaction(names);
        let total = 0, left = names.length;
        for (const name of names) {
            const count = reading.objectStore(name).count();
            count.onsuccess = () => { total += count.result; if (--left === 0) resolve(total); };
        }
    };
})"""


def contract(what: str) -> str:
    return f"docs/web.md names contract: {what}"


def wait_for_service_worker(page: Page) -> None:
    """Until the app's service worker controls the page (it then serves the app offline)."""
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null",
        timeout=TIMEOUT_MS,
    )


def download(page: Page, platform: e2e.Served) -> None:
    """Download the film from its page and wait until it is stored."""
    page.goto(f"/title/{platform.catalog.titles[MOVIE]}")
    page.evaluate(WATCH_PROGRESSBARS)
    page.get_by_role("button", name="Download", exact=True).click()
    page.get_by_label("Standard (smaller)").check()
    page.get_by_role("button", name="Start download").click()
    started = page.get_by_role("status").filter(has_text="Downloading")
    try:
        expect(started).to_be_visible()
    except AssertionError:
        pytest.fail(f"no download started: {page.get_by_role('alert').all_inner_texts()}")
    page.get_by_role("link", name="Downloads", exact=True).click()
    expect(page.get_by_role("heading", name="Downloads", level=1)).to_be_visible()
    play = page.get_by_role("button", name=f"Play {MOVIE_NAME}", exact=True)
    expect(play, contract(f'Downloads: button "Play {MOVIE_NAME}" once stored')).to_be_visible(
        timeout=TIMEOUT_MS
    )
    shown: list[str] = page.evaluate("() => window.__progressbars")
    assert MOVIE_NAME in shown, contract(f"a progressbar named {MOVIE_NAME!r} while it downloads")


def play_to(page: Page, at_least: float) -> dict[str, Any]:
    try:
        page.wait_for_function(VIDEO_PLAYED, arg=at_least, timeout=TIMEOUT_MS)
    except PlaywrightTimeoutError:
        alerts = page.get_by_role("alert").all_inner_texts()
        pytest.fail(f"the download did not play to {at_least} s; the page says {alerts}")
    state: dict[str, Any] = page.get_by_test_id("video").evaluate(
        "(v) => ({ time: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames })"
    )
    return state


def test_a_downloaded_film_plays_offline_after_a_reload(
    page: Page,
    context: BrowserContext,
    platform: e2e.Served,
    viewer: e2e.Viewer,
    signed_in: SignedIn,
    screenshot: Screenshot,
) -> None:
    signed_in(viewer)
    page.goto("/browse")
    wait_for_service_worker(page)
    download(page, platform)
    expect(page.get_by_test_id("storage")).to_contain_text("used")
    screenshot(page, "1-downloaded")
    assert not e2e.accessibility_violations(page), "the Downloads page"

    context.set_offline(True)
    try:
        page.reload()
        expect(page.get_by_role("heading", name="Downloads", level=1)).to_be_visible()
        expect(page.get_by_role("status").filter(has_text="You are offline")).to_be_visible()
        page.get_by_role("button", name=f"Play {MOVIE_NAME}", exact=True).click()
        played = play_to(page, PLAYED_S)
        screenshot(page, "2-playing-offline")
        page.get_by_role("button", name="Close player").click()
    finally:
        plays = re.compile(r"/api/v1/downloads/[^/]+/plays$")
        with page.expect_response(
            lambda answer: bool(plays.search(answer.url)) and answer.ok, timeout=TIMEOUT_MS
        ) as reported:
            context.set_offline(False)  # the app sends it once the network answers
    assert played["frames"] > 0, played
    answer = reported.value
    assert answer.json()["first_played_at"], "the offline play did not start the play window"
    sent: list[dict[str, Any]] = answer.request.post_data_json or []
    assert [play["position_s"] >= PLAYED_S for play in sent] == [True], sent


def test_a_download_revoked_elsewhere_is_deleted_saying_why(
    page: Page, platform: e2e.Served, viewer: e2e.Viewer, signed_in: SignedIn
) -> None:
    signed_in(viewer)
    download(page, platform)
    assert page.evaluate(STORED_MANIFESTS) == 1
    device = page.evaluate(DEVICE_ID)
    headers = e2e.log_in(platform.base, viewer.email, viewer.password)
    with httpx.Client(base_url=platform.base, headers=headers, timeout=30) as api:
        listed = api.get("/api/v1/downloads", params={"device_id": device}).json()["downloads"]
        assert [d["title"] for d in listed] == [MOVIE_NAME], listed
        assert api.delete(f"/api/v1/downloads/{listed[0]['id']}").status_code == 204

    page.reload()
    expect(page.get_by_text("Removed from this device.")).to_be_visible()
    expect(page.get_by_role("button", name=f"Play {MOVIE_NAME}", exact=True)).to_have_count(0)
    assert page.evaluate(STORED_MANIFESTS) == 0, "the revoked download's media is still stored"
    page.get_by_role("button", name=f"Delete {MOVIE_NAME}", exact=True).click()
    expect(page.get_by_text("Nothing downloaded on this device yet.")).to_be_visible()


def test_an_expired_download_refuses_to_play_and_is_renewed_online(
    page: Page,
    context: BrowserContext,
    platform: e2e.Served,
    viewer: e2e.Viewer,
    signed_in: SignedIn,
    screenshot: Screenshot,
) -> None:
    now = datetime.now(UTC)
    page.clock.install(time=now)
    signed_in(viewer)
    download(page, platform)

    page.clock.set_system_time(now + LATER)
    page.get_by_role("button", name=f"Play {MOVIE_NAME}", exact=True).click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text(f"{MOVIE_NAME} cannot play")
    expect(refusal).to_contain_text("expired")
    expect(page.get_by_test_id("video")).to_be_hidden()
    renew = page.get_by_role("button", name=f"Renew {MOVIE_NAME}", exact=True)
    expect(renew, contract(f'Downloads: button "Renew {MOVIE_NAME}" when expired')).to_be_enabled()
    screenshot(page, "1-expired")

    context.set_offline(True)
    expect(renew, "renewing needs the network").to_be_disabled()
    expect(page.get_by_text("Renewing needs a connection.")).to_be_visible()
    context.set_offline(False)

    page.clock.set_system_time(now + timedelta(minutes=1))
    renew.click()
    expect(page.get_by_role("alert")).to_contain_text(f"{MOVIE_NAME} is renewed.")
    page.get_by_role("button", name=f"Play {MOVIE_NAME}", exact=True).click()
    assert play_to(page, 1.0)["frames"] > 0


def test_the_device_limit_lists_the_devices_holding_downloads(
    page: Page, platform: e2e.Served, signed_in: SignedIn, screenshot: Screenshot
) -> None:
    basic = e2e.new_viewer(platform.base, plan="basic")  # downloads on 1 device
    headers = e2e.log_in(platform.base, basic.email, basic.password)
    body = {
        "title_id": platform.catalog.titles[MOVIE],
        "profile_id": basic.profile_id,
        "device_id": "living-room-tablet",
        "quality": "standard",
    }
    granted = httpx.post(
        f"{platform.base}/api/v1/downloads", json=body, headers=headers, timeout=30
    )
    assert granted.status_code == 201, granted.text

    signed_in(basic)
    page.goto(f"/title/{platform.catalog.titles[MOVIE]}")
    page.get_by_role("button", name="Download", exact=True).click()
    page.get_by_role("button", name="Start download").click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("device")
    devices = refusal.get_by_role("list", name="Devices with downloads")
    expect(devices.get_by_role("listitem")).to_have_count(1)
    expect(devices).to_contain_text("living-room-tablet")
    expect(devices).to_contain_text(re.compile(r"1 download\b"))
    screenshot(page, "device-limit")
    assert not e2e.accessibility_violations(page), "the title page's download choices"


def test_a_plan_downgrade_revokes_the_extra_devices_download_when_it_comes_online(
    page: Page,
    context: BrowserContext,
    platform: e2e.Served,
    viewer: e2e.Viewer,
    signed_in: SignedIn,
    screenshot: Screenshot,
) -> None:
    """Standard (2 devices) down to Basic (1): the device seen last keeps its download, so
    the browser, offline while the other device is used, loses its own once back online."""
    signed_in(viewer)
    download(page, platform)
    context.set_offline(True)
    headers = e2e.log_in(platform.base, viewer.email, viewer.password)
    with httpx.Client(base_url=platform.base, headers=headers, timeout=30) as api:
        other = {"profile_id": viewer.profile_id, "quality": "standard"}
        other |= {"title_id": platform.catalog.titles[MOVIE], "device_id": "the-other-device"}
        assert api.post("/api/v1/downloads", json=other).status_code == 201
        downgrade_now(platform, viewer, plan="basic")
        holders = wait_for_device_holders(api, {**other, "device_id": "a-third-device"}, 1)
        assert [(d["device_id"], d["downloads"]) for d in holders] == [("the-other-device", 1)]

        device = page.evaluate(DEVICE_ID)
        context.set_offline(False)  # the app lists this device's downloads, again while it fails
        message = "Removed: your plan now allows downloads on fewer devices."
        expect(page.get_by_text(message), "the reason, in words").to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_role("button", name=f"Play {MOVIE_NAME}", exact=True)).to_have_count(0)
        assert page.evaluate(STORED_MANIFESTS) == 0, "the revoked download's media is still stored"
        screenshot(page, "revoked-by-plan")

        mine = api.get("/api/v1/downloads", params={"device_id": device}).json()["downloads"]
        assert [(d["state"], d["revoked_reason"]) for d in mine] == [("revoked", "plan")], mine
        kept = api.get("/api/v1/downloads", params={"device_id": "the-other-device"}).json()
        assert [d["state"] for d in kept["downloads"]] == ["active"], kept


def downgrade_now(platform: e2e.Served, viewer: e2e.Viewer, *, plan: str) -> None:
    """An admin's grant of ``plan``: it applies now (the viewer's own downgrade would wait for
    the period's end)."""
    admin = platform.catalog.admin
    granted = httpx.post(
        f"{platform.base}/api/v1/admin/accounts/{viewer.account_id}/grants",
        json={"plan_id": plan, "days": 30},
        headers=e2e.log_in(platform.base, admin.email, admin.password),
        timeout=30,
    )
    assert granted.status_code == 200, granted.text
    assert granted.json()["plan_id"] == plan, granted.text


def wait_for_device_holders(
    api: httpx.Client, probe: dict[str, str], count: int
) -> list[dict[str, Any]]:
    """The devices holding downloads, once ``count`` of them do (revocation follows billing's
    event), as a grant to a device holding none is refused listing them: asking that way
    sees no device that holds downloads, so the ranking by last seen stays as it was."""
    holders: list[dict[str, Any]] = []
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        refused = api.post("/api/v1/downloads", json=probe)
        assert refused.status_code == 409, refused.text
        holders = refused.json()["devices"]
        if len(holders) == count:
            return holders
        time.sleep(0.2)
    pytest.fail(f"still {len(holders)} devices hold downloads after the downgrade: {holders}")
