"""The studio in headless Chromium: an editor uploads a generated clip (through a dropped
connection), watches the pipeline reach ready, writes texts in two languages, licenses the
title in France only and publishes it; a viewer in France finds and plays it, a viewer in
Germany does not see it, and a viewer account cannot open the studio.

Elements are found by the accessible names docs/studio.md lists."""

from __future__ import annotations

import random
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Route, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e import browser as e2e
from tests.e2e.conftest import Screenshot
from tests.e2e.studio.conftest import Clip, ContextIn

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

#: The tus client's chunk size (web/src/app/studio/tus.ts).
CHUNK_BYTES = 4 * 1024 * 1024
PIPELINE_TIMEOUT_MS = 240_000
VIEWER_TIMEOUT_MS = 30_000
SEARCH_TRIES = 6
PLAY_TIMEOUT_MS = 30_000


def drop_first_patch(page: Page) -> list[str]:
    """Cut the connection of the first PATCH of an upload; answers the methods seen."""
    seen: list[str] = []

    def handle(route: Route) -> None:
        method = route.request.method
        seen.append(method)
        if method == "PATCH" and seen.count("PATCH") == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    # On the context: the app's service worker makes the page's requests, which page routes miss.
    page.context.route(re.compile(r".*/api/v1/studio/uploads.*"), handle)
    return seen


def create_title(page: Page, name: str) -> str:
    page.goto("/studio/new")
    page.get_by_label("Movie").check()
    page.get_by_label("Original title").fill(name)
    page.get_by_label("Original language").fill("en")
    page.get_by_role("button", name="Create title").click()
    expect(page).to_have_url(re.compile(r"/studio/titles/[^/]+$"))
    return page.url.rsplit("/", 1)[1]


def upload_until_ready(page: Page, clip: Clip, screenshot: Screenshot) -> list[str]:
    page.get_by_role("link", name="Media", exact=True).click()
    seen = drop_first_patch(page)
    page.get_by_label("Source file").set_input_files(str(clip.path))
    page.get_by_role("button", name="Upload and process").click()
    expect(page.get_by_test_id("pipeline-status")).to_have_text(
        "ready", timeout=PIPELINE_TIMEOUT_MS
    )
    expect(page.get_by_label("Upload progress")).to_have_attribute(
        "value", str(clip.path.stat().st_size)
    )
    expect(page.get_by_role("table", name="Pipeline steps")).to_contain_text("Package + encrypt")
    expect(page.get_by_test_id("qc-report")).to_contain_text("passed")
    screenshot(page, "pipeline-ready")
    return seen


def write_texts(page: Page, name: str, screenshot: Screenshot) -> None:
    page.get_by_role("link", name="Details", exact=True).click()
    page.get_by_label("Original synopsis").fill("A test pattern hums at 440 Hz.")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("Details saved.")).to_be_visible()
    page.get_by_label("Language (BCP 47, e.g. fr, pt-BR)").fill("fr")
    page.get_by_role("button", name="Add language").click()
    page.get_by_label("Title in fr").fill(f"{name} (FR)")
    page.get_by_label("Synopsis in fr").fill("Une mire bourdonne à 440 Hz.")
    page.get_by_role("button", name="Save fr").click()
    expect(page.get_by_text("Texts in fr saved.")).to_be_visible()
    screenshot(page, "details")


def license_in_france(page: Page, screenshot: Screenshot) -> None:
    page.get_by_role("link", name="Licences", exact=True).click()
    page.get_by_label("Territories (ISO codes or regions such as EU, WORLD)").fill("FR")
    allow_downloads = page.get_by_role("checkbox", name="Allow downloads")
    expect(allow_downloads).to_be_checked()
    allow_downloads.uncheck()
    page.get_by_role("button", name="Add window").click()
    windows = page.get_by_role("table", name="Licence windows")
    expect(windows).to_contain_text("FR")
    expect(windows).to_contain_text("streaming only")
    expect(page.get_by_test_id("visible-now")).to_contain_text("France (FR)")
    screenshot(page, "licences")


def publish(page: Page, screenshot: Screenshot) -> None:
    page.get_by_role("link", name="Publish", exact=True).click()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_test_id("title-status")).to_have_text("published")
    page.get_by_label("Territory", exact=True).fill("FR")
    expect(page.get_by_test_id("preview-verdict")).to_contain_text("Visible")
    page.get_by_label("Territory", exact=True).fill("DE")
    expect(page.get_by_test_id("preview-verdict")).to_contain_text("No licence window")
    screenshot(page, "publish-preview")
    page.get_by_role("link", name="Audit log", exact=True).click()
    audit = page.get_by_role("table", name="Audit log")
    expect(audit).to_contain_text("published")
    expect(audit).to_contain_text("asset.attached")
    edit = audit.get_by_role("row").filter(has_text="title.updated")
    expect(edit).to_contain_text("synopsis")
    expect(edit).not_to_contain_text("runtime_s")  # the pipeline's runtime stays
    screenshot(page, "audit")


def find_in_list(page: Page, name: str, screenshot: Screenshot) -> None:
    page.get_by_role("link", name="Titles", exact=True).click()
    page.get_by_label("Find titles").fill(name)
    row = page.get_by_role("table", name="Titles").get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("published")
    expect(row).to_contain_text("FR")
    screenshot(page, "titles")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "titles-phone")
    page.set_viewport_size({"width": 1280, "height": 800})


def viewer_page(context_in: ContextIn, platform: e2e.Served, country: str) -> Page:
    """A new viewer signed in from ``country``, watching their first profile."""
    context: BrowserContext = context_in(country)
    viewer = e2e.new_viewer(platform.base)
    e2e.sign_in(context, platform.base, viewer.email, viewer.password)
    e2e.select_profile(context, platform.base, viewer.profile_id)
    return context.new_page()


def wait_playing(page: Page, play: Locator) -> None:
    """Wait until the video has played a second; a failure says what the player showed."""
    failed: list[str] = []
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    play.click()
    try:
        page.wait_for_function(
            """() => { const v = document.querySelector('[data-testid="video"]');
                       return v !== null && v.currentTime > 1; }""",
            timeout=PLAY_TIMEOUT_MS,
        )
    except PlaywrightTimeout:
        shown = page.get_by_test_id("player-error").all_inner_texts()
        raise AssertionError(f"the video did not play: {shown} {failed[-5:]}") from None


def search(page: Page, words: str) -> None:
    page.goto("/search")
    page.get_by_role("searchbox", name="Search titles").fill(words)


def find_by_search(page: Page, name: str) -> Locator:
    """The title's card in search results, searching again until the index has it."""
    card = page.get_by_test_id("title-card").filter(has_text=name)
    for _ in range(SEARCH_TRIES):
        search(page, name)
        try:
            card.wait_for(state="visible", timeout=VIEWER_TIMEOUT_MS // SEARCH_TRIES)
        except PlaywrightTimeout:
            continue
        return card
    raise AssertionError(f"search never found {name!r}")


@pytest.mark.usefixtures("editor_context")
def test_an_editor_publishes_a_title_in_one_country(
    page: Page,
    platform: e2e.Served,
    clip: Clip,
    context_in: ContextIn,
    screenshot: Screenshot,
) -> None:
    name = f"Studio Pattern {uuid.uuid4().hex[:6]}"
    title_id = create_title(page, name)
    seen = upload_until_ready(page, clip, screenshot)
    write_texts(page, name, screenshot)
    license_in_france(page, screenshot)
    publish(page, screenshot)
    find_in_list(page, name, screenshot)

    in_france = viewer_page(context_in, platform, "FR")
    find_by_search(in_france, name).click()
    expect(in_france.get_by_role("heading", level=1)).to_have_text(name)
    wait_playing(in_france, in_france.get_by_role("button", name="Play"))
    screenshot(in_france, "playing-in-france")

    in_germany = viewer_page(context_in, platform, "DE")
    search(in_germany, name)
    in_germany.wait_for_timeout(2000)
    hidden_in_search = in_germany.get_by_test_id("title-card").filter(has_text=name).count()
    in_germany.goto(f"/title/{title_id}")
    expect(in_germany.get_by_role("button", name="Play")).to_have_count(0)
    answer = in_germany.request.get(f"{platform.base}/api/v1/titles/{title_id}")

    assert seen.count("PATCH") >= 2, f"the dropped PATCH was sent again: {seen}"
    assert "HEAD" in seen, "the client asked the server's offset before resuming"
    assert hidden_in_search == 0
    assert answer.status == 404


def test_a_viewer_account_cannot_open_the_studio(
    context: BrowserContext, platform: e2e.Served, viewer: e2e.Viewer
) -> None:
    e2e.sign_in(context, platform.base, viewer.email, viewer.password)
    page = context.new_page()
    page.goto("/studio")
    expect(page).to_have_url(re.compile(r"/forbidden$"))
    expect(page.get_by_test_id("forbidden")).to_be_visible()


@pytest.mark.usefixtures("editor_context")
def test_an_editor_builds_a_series_with_texts_per_episode(page: Page) -> None:
    page.goto("/studio/new")
    page.get_by_label("Series").check()
    page.get_by_label("Original title").fill(f"Studio Series {uuid.uuid4().hex[:6]}")
    page.get_by_role("button", name="Create title").click()
    page.get_by_role("button", name="Add season").click()
    page.get_by_label("Episode title").fill("Pilot")
    page.get_by_role("button", name="Add episode to season 1").click()
    page.get_by_label("Language (BCP 47, e.g. fr, pt-BR)").fill("de")
    page.get_by_role("button", name="Add language").click()
    page.get_by_label("Title in de").fill("Die Serie")
    page.get_by_role("button", name="Save de", exact=True).click()
    page.get_by_text("Texts in de", exact=True).click()
    page.get_by_label("Title of S1 E1 in de").fill("Pilotfolge")
    page.get_by_role("button", name="Save S1 E1 in de").click()

    expect(page.get_by_text("Episode texts in de saved.")).to_be_visible()
    expect(page.get_by_label("Title of S1 E1", exact=True)).to_have_value("Pilot")
    expect(page.get_by_label("Title of S1 E1 in de")).to_have_value("Pilotfolge")


@pytest.mark.usefixtures("editor_context")
def test_an_upload_resumes_after_a_reload_and_a_failed_ingest_can_be_retried(
    page: Page, tmp_path: Path, screenshot: Screenshot
) -> None:
    source = tmp_path / "not-a-video.mp4"
    # noise no demuxer takes (os.urandom's now and then passed the probe as a file of 0 s)
    source.write_bytes(random.Random(0).randbytes(CHUNK_BYTES + 300_000))
    create_title(page, f"Studio Broken {uuid.uuid4().hex[:6]}")
    page.get_by_role("link", name="Media", exact=True).click()
    offsets: list[str] = []

    def second_chunk_never_arrives(route: Route) -> None:
        if route.request.method == "PATCH":
            offsets.append(route.request.headers["upload-offset"])
            if offsets[-1] != "0":
                route.abort("connectionreset")
                return
        route.continue_()

    uploads = re.compile(r".*/api/v1/studio/uploads/.+")
    page.context.route(uploads, second_chunk_never_arrives)
    page.get_by_label("Source file").set_input_files(str(source))
    page.get_by_role("button", name="Upload and process").click()
    expect(page.get_by_test_id("upload-progress")).to_contain_text("Connection lost")
    page.context.unroute(uploads)
    page.reload()
    expect(page.get_by_text("stopped before it finished")).to_contain_text(source.name)
    resumed: list[str] = []

    def note(route: Route) -> None:
        resumed.append(route.request.method)
        route.continue_()

    page.context.route(uploads, note)
    page.get_by_label("Source file").set_input_files(str(source))
    page.get_by_role("button", name="Upload and process").click()

    expect(page.get_by_role("alert")).to_contain_text("Probe failed", timeout=PIPELINE_TIMEOUT_MS)
    screenshot(page, "failed")
    page.get_by_role("button", name="Retry").click()
    ingests = page.get_by_role("table", name="Ingests").get_by_test_id("ingest-status")
    expect(ingests).to_have_count(2)
    expect(ingests.first).to_have_text("failed", timeout=PIPELINE_TIMEOUT_MS)
    assert offsets[:2] == ["0", str(CHUNK_BYTES)]
    assert resumed[:2] == ["HEAD", "PATCH"], "the resumed upload asked the server's offset first"
