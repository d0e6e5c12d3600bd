"""The studio: editors only, every change audited, events for other domains, reports."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from marquee.catalog.events import TITLE_PUBLISHED, TITLE_UNPUBLISHED, TITLE_UPDATED
from marquee.kit.events import Event
from marquee.runtime import Platform
from tests.images import picture, png_declaring
from tests.integration.catalog.conftest import Caller, Callers, available, new_title

PNG = picture("PNG")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/studio/titles"),
        ("POST", "/api/v1/studio/titles"),
        ("PATCH", "/api/v1/studio/titles/x"),
        ("POST", "/api/v1/studio/titles/x/publish"),
        ("PUT", "/api/v1/studio/titles/x/ratings/US"),
        ("POST", "/api/v1/studio/titles/x/windows"),
        ("POST", "/api/v1/studio/uploads"),
        ("GET", "/api/v1/studio/reports/expiring-windows"),
    ],
)
def test_viewers_may_not_use_the_studio(callers: Callers, method: str, path: str) -> None:
    viewer = callers("viewer")
    response = viewer.request(method, path, json={})
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/role-required"


def test_admins_may_use_the_studio(callers: Callers) -> None:
    assert callers("admin").get("/api/v1/studio/titles").status_code == 200


def test_the_audit_log_says_who_changed_what_and_when(editor: Caller, callers: Callers) -> None:
    title = new_title(editor, release_year=1999)
    other = callers("admin")
    url = f"/api/v1/studio/titles/{title['id']}"
    before = datetime.now(UTC)
    other.request("PATCH", url, json={"release_year": 2001, "tags": ["tense"]})
    editor.request("PATCH", url, json={"release_year": 2001})  # no change, no entry
    editor.request("POST", f"{url}/publish")

    entries = editor.get(f"{url}/audit").json()

    assert [e["action"] for e in entries] == ["title.published", "title.updated", "title.created"]
    published, updated, created = entries
    assert updated["changes"] == {
        "release_year": {"from": 1999, "to": 2001},
        "tags": {"from": [], "to": ["tense"]},
    }
    assert created["actor_id"] == published["actor_id"] != updated["actor_id"]
    assert datetime.fromisoformat(updated["at"]) >= before


def test_status_moves_and_the_events_other_domains_get(editor: Caller, platform: Platform) -> None:
    seen: list[Event] = []
    platform.events.subscribe(
        (TITLE_PUBLISHED, TITLE_UPDATED, TITLE_UNPUBLISHED),
        seen.append,
        group=f"test-{uuid.uuid4().hex}",
    )
    title = new_title(editor)
    url = f"/api/v1/studio/titles/{title['id']}"
    editor.request("PATCH", url, json={"synopsis": "draft edit"})
    available(editor, title["id"])
    editor.request("PATCH", url, json={"synopsis": "live edit"})
    editor.request("POST", f"{url}/unpublish")
    again = editor.request("POST", f"{url}/unpublish")
    editor.request("POST", f"{url}/retire")
    while platform.relay.relay_once():
        pass

    mine = [(e.name, e.payload) for e in seen if e.payload.get("title_id") == title["id"]]
    assert mine == [
        ("catalog.title_published", {"title_id": title["id"]}),
        ("catalog.title_updated", {"title_id": title["id"]}),
        ("catalog.title_unpublished", {"title_id": title["id"], "status": "draft"}),
    ]
    assert again.status_code == 409
    assert editor.get(url).json()["status"] == "retired"


def test_windows_list_regions_as_given_and_the_countries_they_cover(editor: Caller) -> None:
    title = new_title(editor)
    body = {"territories": ["benelux", "CH"], "starts_at": "2030-01-01T00:00:00+01:00"}
    url = f"/api/v1/studio/titles/{title['id']}/windows"
    window = editor.request("POST", url, json=body).json()
    replaced = editor.request(
        "PUT", f"/api/v1/studio/windows/{window['id']}", json={**body, "territories": ["CH", "LU"]}
    ).json()
    bad = editor.request("POST", url, json={**body, "territories": ["Narnia"]})

    assert window["territories"] == ["BENELUX", "CH"]
    assert window["countries"] == ["BE", "CH", "LU", "NL"]
    assert window["starts_at"].startswith("2029-12-31T23:00:00")
    assert replaced["countries"] == ["CH", "LU"]
    assert bad.status_code == 422
    assert "Narnia" in bad.json()["detail"]


def test_the_expiring_report_lists_windows_ending_soon_soonest_first(editor: Caller) -> None:
    now = datetime.now(UTC)
    ends = {"in 3 days": 3, "in 10 days": 10, "in 40 days": 40}
    made = {}
    for name, days in ends.items():
        title = new_title(editor, original_title=f"Expiring {name} {uuid.uuid4().hex[:6]}")
        window = {
            "territories": ["FR"],
            "starts_at": (now - timedelta(days=1)).isoformat(),
            "ends_at": (now + timedelta(days=days)).isoformat(),
            "licensor": "Studio Canal",
        }
        editor.request("POST", f"/api/v1/studio/titles/{title['id']}/windows", json=window)
        made[title["id"]] = name

    report = editor.get("/api/v1/studio/reports/expiring-windows", params={"days": 30}).json()

    listed = [made[w["title_id"]] for w in report if w["title_id"] in made]
    assert listed == ["in 3 days", "in 10 days"]


def test_ratings_use_the_territorys_system_and_refuse_unknown_values(editor: Caller) -> None:
    title = new_title(editor)
    url = f"/api/v1/studio/titles/{title['id']}/ratings"
    british = editor.request("PUT", f"{url}/GB", json={"value": "12a"}).json()
    unknown = editor.request("PUT", f"{url}/GB", json={"value": "PG-13"})
    no_system = editor.request("PUT", f"{url}/BR", json={"value": "L"})

    assert british == {"territory": "GB", "system": "BBFC", "value": "12A", "maturity": "teen"}
    assert unknown.status_code == 422
    assert no_system.status_code == 422


def test_artwork_is_stored_and_served_per_language(editor: Caller, callers: Callers) -> None:
    title = new_title(editor, original_language="fr")
    url = f"/api/v1/studio/titles/{title['id']}/artwork"
    neutral = editor.request(
        "POST", url, data={"kind": "poster"}, files={"file": ("p.png", PNG, "image/png")}
    ).json()
    german_bytes = picture("JPEG", size=(60, 90))
    editor.request(
        "POST",
        url,
        data={"kind": "poster", "language": "de"},
        files={"file": ("de.png", german_bytes, "application/octet-stream")},
    )
    available(editor, title["id"])

    german = callers(language="de-AT").get(f"/api/v1/titles/{title['id']}").json()
    english = callers(language="en").get(f"/api/v1/titles/{title['id']}").json()
    image = editor.client.get(german["poster"]["url"])

    assert german["poster"]["language"] == "de"
    assert image.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(image.content)).size == (60, 90)
    assert english["poster"]["id"] == neutral["id"]


def test_artwork_is_stored_without_what_follows_the_picture(editor: Caller) -> None:
    title = new_title(editor)
    url = f"/api/v1/studio/titles/{title['id']}/artwork"
    polyglot = PNG + b"<html><script>alert(document.domain)</script></html>"

    stored = editor.request(
        "POST", url, data={"kind": "logo"}, files={"file": ("x.png", polyglot, "image/png")}
    ).json()
    image = editor.client.get(stored["url"])

    assert image.headers["content-type"] == "image/png"
    assert b"<script>" not in image.content
    assert Image.open(io.BytesIO(image.content)).size == (64, 48)


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"hello", "must be a PNG, JPEG or WebP image"),
        (picture("JPEG", size=(256, 256))[:600], "does not decode"),
        (png_declaring(100_000, 100_000), "too many pixels"),
        (png_declaring(10_000, 5_000), "is 10000×5000 pixels"),
    ],
    ids=["not-an-image", "truncated-jpeg", "decompression-bomb", "over-the-limit"],
)
def test_artwork_that_does_not_decode_is_refused_and_the_old_one_kept(
    editor: Caller, data: bytes, detail: str
) -> None:
    title = new_title(editor)
    url = f"/api/v1/studio/titles/{title['id']}/artwork"
    files = {"file": ("p.png", PNG, "image/png")}
    kept = editor.request("POST", url, data={"kind": "poster"}, files=files).json()

    refused = editor.request(
        "POST", url, data={"kind": "poster"}, files={"file": ("p.png", data, "image/png")}
    )
    view = editor.get(f"/api/v1/studio/titles/{title['id']}").json()

    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/invalid-image"
    assert detail in refused.json()["detail"]
    assert [a["id"] for a in view["artwork"]] == [kept["id"]]
    assert editor.client.get(kept["url"]).content == PNG


def test_credits_name_people_in_billing_order(editor: Caller) -> None:
    title = new_title(editor)
    people = [
        editor.request("POST", "/api/v1/studio/people", json={"name": name}).json()
        for name in ("Ada Director", "Bo Actor")
    ]
    credits = [
        {"person_id": people[1]["id"], "role": "actor", "character": "Sam"},
        {"person_id": people[0]["id"], "role": "director"},
    ]
    url = f"/api/v1/studio/titles/{title['id']}/credits"
    saved = editor.request("PUT", url, json=credits).json()
    unknown = editor.request("PUT", url, json=[{"person_id": "nobody", "role": "actor"}])

    assert [(c["name"], c["role"], c["character"]) for c in saved] == [
        ("Bo Actor", "actor", "Sam"),
        ("Ada Director", "director", ""),
    ]
    assert unknown.status_code == 422


def test_genres_keep_their_order_and_filter_the_list_by_name_or_slug(
    editor: Caller, callers: Callers
) -> None:
    tag = uuid.uuid4().hex[:6]
    title = new_title(editor, genres=[f"Sci-Fi {tag}", "Dramas"])
    url = f"/api/v1/studio/titles/{title['id']}"
    genres = [f"Action & Adventure {tag}", f"sci-fi {tag}", f"Sci Fi {tag}"]
    updated = editor.request("PATCH", url, json={"genres": genres}).json()
    editor.request("PUT", f"{url}/ratings/*", json={"value": "ALL"})
    available(editor, title["id"])
    viewer = callers()

    by_slug = viewer.get("/api/v1/titles", params={"genre": f"action-adventure-{tag}"}).json()
    by_name = viewer.get("/api/v1/titles", params={"genre": f"SCI-FI {tag}"}).json()

    assert updated["genres"] == [f"Action & Adventure {tag}", f"sci-fi {tag}"]
    assert [t["id"] for t in by_slug["items"]] == [title["id"]]
    assert [t["id"] for t in by_name["items"]] == [title["id"]]
