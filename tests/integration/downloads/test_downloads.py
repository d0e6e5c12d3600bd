"""Downloads through the API: grants and every refusal, the persistent licence, plays, and
revocation on a plan downgrade, a deleted profile and a window that no longer allows them."""

from __future__ import annotations

import base64
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from marquee.billing import service as billing
from marquee.kit.mpd import parse_mpd, tag
from marquee.playback import service as playback
from tests.integration.downloads.conftest import LICENSE_LIMIT, MAX_PER_ACCOUNT, Downloads
from tests.integration.playback.conftest import PASSWORD
from tests.integration.viewers import Viewer

pytestmark = pytest.mark.slow


def device() -> str:
    return f"device-{uuid.uuid4().hex[:8]}"


def granted(world: Downloads, viewer: Viewer, device_id: str, **extra: Any) -> dict[str, Any]:
    answer = world.download(viewer, device_id, **extra)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def refused(answer: Any, status: int, slug: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == f"/problems/{slug}"
    return answer.json()  # type: ignore[no-any-return]


def licence(viewer: Viewer, download: dict[str, Any], mpd: str) -> Any:
    kids = {kid.replace("-", "") for kid in re.findall(r'default_KID="([^"]+)"', mpd)}
    encoded = [base64.urlsafe_b64encode(bytes.fromhex(k)).rstrip(b"=").decode() for k in kids]
    body = {"kids": encoded, "type": "persistent-license"}
    return viewer.call("POST", download["license_url"], json=body)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_download_comes_with_its_manifest_and_a_persistent_licence(world: Downloads) -> None:
    viewer, phone = world.viewer("standard"), device()
    download = granted(world, viewer, phone, audio_languages=["en"])
    assert (download["title_id"], download["episode_id"]) == (world.title_id, None)
    assert download["state"] == "active"
    assert download["revoked_reason"] is None
    assert download["first_played_at"] is None
    assert download["title"].startswith("Clip ")
    assert download["play_window_hours"] == 48
    assert download["audio_languages"] == ["en"]
    created = at(download["created_at"])
    assert at(download["expires_at"]) - created == timedelta(days=30)
    assert download["playable_until"] == download["expires_at"]
    assert [d["id"] for d in world.on_device(viewer, phone)] == [download["id"]]
    assert world.on_device(viewer, device()) == []

    mpd = viewer.client.get(download["manifest_url"])  # no credentials: the URL is the grant
    assert mpd.status_code == 200, mpd.text
    assert download["license_url"] in mpd.text
    assert "/api/v1/delivery/t/" in mpd.text
    answer = licence(viewer, download, mpd.text)
    assert answer.status_code == 200, answer.text
    assert answer.json()["type"] == "persistent-license"
    assert at(answer.json()["expires_at"]) == at(download["playable_until"])
    assert answer.json()["keys"]
    assert answer.json()["keys"][0]["kty"] == "oct"
    forged = download["manifest_url"].replace("/manifest.mpd", "").rsplit("/", 1)[0]
    assert viewer.client.get(f"{forged}/{'0' * 32}/manifest.mpd").status_code == 404
    stranger = world.viewer("premium")
    refused(licence(stranger, download, mpd.text), 404, "download-not-found")

    again = granted(world, viewer, phone)  # the same title on the same device: the same one
    assert again["id"] == download["id"]


def test_an_episode_downloads_under_its_series_name(world: Downloads) -> None:
    viewer = world.viewer("standard")
    body = {"title_id": None, "episode_id": world.episode_ids[0]}
    download = granted(world, viewer, device(), **body, quality="standard")
    assert (download["title_id"], download["episode_id"]) == (world.series_id, world.episode_ids[0])
    assert download["title"] == "Serial · S1:E1 Pilot"
    assert download["max_height"] == 540  # standard quality, below the plan's 1080p
    both = viewer.call("POST", "/api/v1/downloads", json={**body, "title_id": world.series_id})
    assert both.status_code == 422


def test_refusals_of_the_entitlement_come_first(world: Downloads) -> None:
    refused(world.download(world.viewer(None), device()), 403, "subscription-required")
    abroad = world.viewer("standard", country="JP")
    refused(
        world.download(abroad, device(), title_id=world.other_title_id),
        403,
        "not-available-in-territory",
    )
    suspended = world.viewer("standard")
    with world.platform.db.transaction() as session:
        billing.set_subscription(
            session,
            settings=world.platform.settings,
            account_id=suspended.account_id,
            plan_id="standard",
            status="suspended",
        )
    refused(world.download(suspended, device()), 402, "payment-required")


def test_a_window_that_allows_streaming_only_refuses_downloads(world: Downloads) -> None:
    viewer = world.viewer("premium")
    assert viewer.play(world.other_title_id).status_code == 201  # streaming is allowed
    answer = world.download(viewer, device(), title_id=world.other_title_id)
    refused(answer, 403, "download-not-allowed")


def test_the_plan_limits_the_devices_and_lists_those_holding_downloads(world: Downloads) -> None:
    viewer = world.viewer("basic")  # one device
    laptop, phone = device(), device()
    held = granted(world, viewer, laptop)
    problem = refused(world.download(viewer, phone), 409, "download-device-limit")
    assert problem["max_devices"] == 1
    assert [(d["device_id"], d["downloads"]) for d in problem["devices"]] == [(laptop, 1)]
    assert problem["devices"][0]["last_seen_at"]

    assert viewer.call("DELETE", f"/api/v1/downloads/{held['id']}").status_code == 204
    assert world.on_device(viewer, laptop)[0]["revoked_reason"] == "released"
    granted(world, viewer, phone)  # the laptop's slot is free again


def test_an_account_holds_at_most_its_cap_of_downloads(world: Downloads) -> None:
    viewer = world.viewer("premium")  # six devices
    for _ in range(MAX_PER_ACCOUNT):
        granted(world, viewer, device())
    problem = refused(world.download(viewer, device()), 409, "download-limit")
    assert problem["max_downloads"] == MAX_PER_ACCOUNT


def test_an_expired_download_refuses_its_licence_until_renewed(world: Downloads) -> None:
    viewer, phone = world.viewer("standard"), device()
    download = granted(world, viewer, phone)
    mpd = viewer.client.get(download["manifest_url"]).text
    world.shift(download["id"], expires_at=timedelta(days=31))
    assert world.on_device(viewer, phone)[0]["state"] == "expired"
    refused(licence(viewer, download, mpd), 403, "download-expired")

    renewed = viewer.call("POST", f"/api/v1/downloads/{download['id']}/renew")
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["state"] == "active"
    assert at(renewed.json()["expires_at"]) > datetime.now(UTC) + timedelta(days=29)
    assert licence(viewer, download, mpd).status_code == 200


def test_the_first_play_starts_the_play_window_and_the_history(world: Downloads) -> None:
    viewer, phone = world.viewer("standard"), device()
    download = granted(world, viewer, phone)
    world.shift(download["id"], created_at=timedelta(hours=4))  # downloaded, then flown
    first = datetime.now(UTC) - timedelta(hours=3)
    plays = [
        {"position_s": 2.5, "played_at": (first + timedelta(hours=1)).isoformat()},
        {"position_s": 1.0, "duration_s": 4.0, "played_at": first.isoformat()},
    ]
    answer = viewer.call("POST", f"/api/v1/downloads/{download['id']}/plays", json=plays)
    assert answer.status_code == 200, answer.text
    assert at(answer.json()["first_played_at"]) == first
    assert at(answer.json()["playable_until"]) == first + timedelta(hours=48)
    with world.platform.db.sessions() as session:
        history = playback.history(session, profile_id=viewer.profile_id)
    assert [(h.title_id, h.position_s) for h in history] == [(world.title_id, 2.5)]

    world.shift(download["id"], first_played_at=timedelta(hours=46))
    mpd = viewer.client.get(download["manifest_url"])
    assert mpd.status_code == 403  # the play window is over
    assert world.on_device(viewer, phone)[0]["state"] == "expired"


def test_a_plan_downgrade_revokes_the_least_recently_seen_devices(world: Downloads) -> None:
    viewer = world.viewer("premium")
    devices = [device() for _ in range(3)]
    downloads = {d: granted(world, viewer, d) for d in devices}
    mpd = viewer.client.get(downloads[devices[0]]["manifest_url"]).text
    world.on_device(viewer, devices[0])  # seen again: the most recent, then the third
    with world.platform.db.transaction() as session:
        billing.set_subscription(
            session,
            settings=world.platform.settings,
            account_id=viewer.account_id,
            plan_id="basic",  # one device
            status="active",
        )
    world.until(lambda: world.revoked_reason(downloads[devices[2]]["id"]))
    assert world.on_device(viewer, devices[1])[0]["revoked_reason"] == "plan"
    assert world.on_device(viewer, devices[2])[0]["revoked_reason"] == "plan"
    assert world.on_device(viewer, devices[0])[0]["state"] == "active"
    problem = refused(licence(viewer, downloads[devices[2]], mpd), 403, "download-revoked")
    assert problem["reason"] == "plan"
    renewal = viewer.call("POST", f"/api/v1/downloads/{downloads[devices[1]]['id']}/renew")
    refused(renewal, 403, "download-revoked")
    assert licence(viewer, downloads[devices[0]], mpd).status_code == 200


def test_a_download_plays_no_longer_than_its_licence_window(world: Downloads) -> None:
    viewer, phone = world.viewer("standard"), device()
    before = granted(world, viewer, phone)
    editor = world.editor
    assert editor is not None
    ends_at = (datetime.now(UTC) + timedelta(days=5)).replace(microsecond=0)
    window = {"territories": ["WORLD"], "starts_at": "2020-01-01T00:00:00Z"}
    changed = editor.call(
        "PUT",
        f"/api/v1/studio/windows/{world.window_id}",
        json={**window, "ends_at": ends_at.isoformat()},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["downloads_allowed"] is True
    try:
        world.until(lambda: at(world.on_device(viewer, phone)[0]["playable_until"]) == ends_at)
        after = granted(world, viewer, device())
        assert at(after["expires_at"]) == at(after["playable_until"]) == ends_at
        assert at(before["expires_at"]) > ends_at
    finally:
        editor.call("PUT", f"/api/v1/studio/windows/{world.window_id}", json=window)


def test_a_deleted_profile_and_a_window_without_downloads_revoke(world: Downloads) -> None:
    viewer, phone = world.viewer("premium"), device()
    added = viewer.call("POST", "/api/v1/profiles", json={"name": "Second"})
    assert added.status_code == 201, added.text
    second = added.json()["id"]
    kept = granted(world, viewer, phone)
    gone = granted(world, viewer, phone, profile_id=second)
    approval = viewer.call("POST", "/api/v1/profiles/approval", json={"password": PASSWORD})
    assert approval.status_code == 204, approval.text
    assert viewer.call("DELETE", f"/api/v1/profiles/{second}").status_code == 204
    world.until(lambda: _state(world, viewer, phone, gone["id"]) == ("revoked", "profile"))

    editor = world.editor
    assert editor is not None
    window = {
        "territories": ["WORLD"],
        "starts_at": "2020-01-01T00:00:00Z",
        "downloads_allowed": False,
    }
    changed = editor.call("PUT", f"/api/v1/studio/windows/{world.window_id}", json=window)
    assert changed.status_code == 200, changed.text
    assert changed.json()["downloads_allowed"] is False
    try:
        world.until(lambda: _state(world, viewer, phone, kept["id"]) == ("revoked", "window"))
        refused(world.download(viewer, device()), 403, "download-not-allowed")
    finally:
        window["downloads_allowed"] = True
        editor.call("PUT", f"/api/v1/studio/windows/{world.window_id}", json=window)


def _state(world: Downloads, viewer: Viewer, device_id: str, download_id: str) -> tuple[str, str]:
    found = {d["id"]: d for d in world.on_device(viewer, device_id)}[download_id]
    return found["state"], found["revoked_reason"]


def track_languages(mpd: str, content_type: str) -> list[str]:
    root = parse_mpd(mpd)
    sets = root.iter(tag("AdaptationSet"))
    return [s.get("lang", "") for s in sets if s.get("contentType") == content_type]


def test_a_download_holds_only_its_chosen_audio_and_subtitles(world: Downloads) -> None:
    viewer = world.viewer("standard")
    dubbed = granted(world, viewer, device(), audio_languages=["fr"], subtitle_languages=["fra"])
    mpd = viewer.client.get(dubbed["manifest_url"]).text
    assert track_languages(mpd, "audio") == ["fra"]
    assert track_languages(mpd, "text") == ["fr"]
    assert track_languages(mpd, "video")


def test_a_download_without_languages_holds_the_original_and_the_profiles(
    world: Downloads,
) -> None:
    viewer = world.viewer("standard")  # an English profile
    download = granted(world, viewer, device())
    mpd = viewer.client.get(download["manifest_url"]).text
    assert track_languages(mpd, "audio") == ["und"]  # the clip's own soundtrack: no English dub
    assert track_languages(mpd, "text") == ["en"]


def test_a_download_makes_only_so_many_licence_requests_a_minute(world: Downloads) -> None:
    viewer, phone = world.viewer("standard"), device()
    download = granted(world, viewer, phone)
    mpd = viewer.client.get(download["manifest_url"]).text
    # Twice the limit and one: a 429 even if a minute's window turns over on the way.
    answers = [licence(viewer, download, mpd) for _ in range(2 * LICENSE_LIMIT + 1)]
    assert [a.status_code for a in answers[:LICENSE_LIMIT]] == [200] * LICENSE_LIMIT
    limited = next(a for a in answers if a.status_code == 429)
    refused(limited, 429, "rate-limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    other = granted(world, viewer, phone, title_id=None, episode_id=world.episode_ids[0])
    assert licence(viewer, other, mpd).status_code == 200  # each download counts its own


def test_a_new_device_named_by_several_requests_at_once_is_answered_each_time(
    world: Downloads,
) -> None:
    """The app lists a new device's downloads while it asks for a grant: both record the device
    (a unique row), and neither may fail because the other did it first."""
    viewer, tablet = world.viewer("premium"), device()
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(
            pool.map(
                lambda _: viewer.call("GET", "/api/v1/downloads", params={"device_id": tablet}),
                range(12),
            )
        )
    assert [answer.status_code for answer in answers] == [200] * 12
