"""Thumbs, My List and search clicks through the API: who may write, what is checked, kept."""

from __future__ import annotations

from marquee.identity.events import PROFILE_DELETED, ProfileDeleted
from marquee.kit.events import publish
from marquee.kit.personal_data import Subject
from marquee.recommend import privacy
from marquee.runtime import Platform
from tests.integration.catalog.conftest import Caller
from tests.integration.discovery.conftest import Callers, Studio, profile_of, relay


def path(caller: Caller, kind: str, title_id: str = "") -> str:
    return f"/api/v1/profiles/{profile_of(caller)}/{kind}/{title_id}".rstrip("/")


def listed(caller: Caller) -> list[str]:
    answer = caller.get(path(caller, "list"))
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()]


def test_thumbs_are_given_changed_and_cleared(studio: Studio, callers: Callers) -> None:
    title_id = studio.title(f"Rated {studio.tag}")
    viewer = callers()
    up = viewer.request("PUT", path(viewer, "ratings", title_id), json={"thumb": "up"})
    assert up.status_code == 200, up.text
    assert up.json()["thumb"] == "up"
    viewer.request("PUT", path(viewer, "ratings", title_id), json={"thumb": "down"})
    assert viewer.get(path(viewer, "ratings", title_id)).json()["thumb"] == "down"
    cleared = viewer.request("DELETE", path(viewer, "ratings", title_id))
    assert cleared.status_code == 204
    assert viewer.get(path(viewer, "ratings", title_id)).status_code == 204
    assert viewer.request("DELETE", path(viewer, "ratings", title_id)).status_code == 204


def test_a_thumb_must_be_up_or_down(studio: Studio, callers: Callers) -> None:
    title_id = studio.title(f"Badly Rated {studio.tag}")
    viewer = callers()
    for body in ({"thumb": "sideways"}, {}, {"thumb": "up", "stars": 5}):
        answer = viewer.request("PUT", path(viewer, "ratings", title_id), json=body)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert viewer.get(path(viewer, "ratings", title_id)).status_code == 204, "nothing kept"


def test_my_list_keeps_titles_latest_first(studio: Studio, callers: Callers) -> None:
    first, second = studio.title(f"Listed A {studio.tag}"), studio.title(f"Listed B {studio.tag}")
    viewer = callers()
    for title_id in (first, second, first):
        answer = viewer.request("PUT", path(viewer, "list", title_id))
        assert answer.status_code == 204, answer.text
    assert listed(viewer) == [second, first]
    assert viewer.request("DELETE", path(viewer, "list", second)).status_code == 204
    assert listed(viewer) == [first]


def test_unknown_or_unseeable_titles_are_refused(studio: Studio, callers: Callers) -> None:
    adult = studio.title(f"Grown Up {studio.tag}", rating="R")
    japan_only = studio.title(f"Tokyo Only {studio.tag}", territories=("JP",))
    kid = callers(maturity="kids")
    for title_id in (adult, japan_only, "0" * 32):
        for kind, body in (("list", None), ("ratings", {"thumb": "up"})):
            answer = kid.request("PUT", path(kid, kind, title_id), json=body)
            assert answer.status_code == 404, answer.text
        answer = kid.request("POST", path(kid, "search-clicks"), json={"title_id": title_id})
        assert answer.status_code == 404, answer.text
    assert listed(kid) == []


def test_only_the_profiles_own_account_may_read_or_write(studio: Studio, callers: Callers) -> None:
    title_id = studio.title(f"Private {studio.tag}")
    owner, stranger = callers(), callers()
    owner.request("PUT", path(owner, "list", title_id))
    theirs = f"/api/v1/profiles/{profile_of(owner)}"
    assert stranger.get(f"{theirs}/list").status_code == 404
    assert stranger.request("PUT", f"{theirs}/list/{title_id}").status_code == 404
    assert stranger.request("DELETE", f"{theirs}/list/{title_id}").status_code == 404
    rate = stranger.request("PUT", f"{theirs}/ratings/{title_id}", json={"thumb": "down"})
    assert rate.status_code == 404
    anonymous = callers.client().get(f"{theirs}/list")
    assert anonymous.status_code == 401
    assert listed(owner) == [title_id]


def test_a_retired_title_leaves_my_list(studio: Studio, callers: Callers) -> None:
    title_id = studio.title(f"Retired {studio.tag}")
    viewer = callers()
    viewer.request("PUT", path(viewer, "list", title_id))
    studio.edit("POST", f"/titles/{title_id}/unpublish", None)
    assert listed(viewer) == []


def test_signals_are_exported_and_deleted_with_the_profile(
    studio: Studio, callers: Callers, platform: Platform
) -> None:
    title_id = studio.title(f"Exported {studio.tag}")
    viewer = callers()
    profile_id = profile_of(viewer)
    viewer.request("PUT", path(viewer, "list", title_id))
    viewer.request("PUT", path(viewer, "ratings", title_id), json={"thumb": "up"})
    viewer.request("POST", path(viewer, "search-clicks"), json={"title_id": title_id})
    studio.play(viewer, title_id)
    subject = Subject(account_id="", profile_ids=(profile_id,))
    with platform.db.transaction() as session:
        held = privacy.export(session, subject)
    assert [row["title_id"] for row in held["list"]] == [title_id]
    assert [row["thumb"] for row in held["thumbs"]] == ["up"]
    assert [row["plays"] for row in held["plays"]] == [1]
    assert [row["clicks"] for row in held["search_clicks"]] == [1]
    with platform.db.transaction() as session:  # as identity announces a deleted profile
        publish(session, PROFILE_DELETED, ProfileDeleted(account_id="a", profile_id=profile_id))
    relay(platform)
    with platform.db.transaction() as session:
        held = privacy.export(session, subject)
    assert held == {"thumbs": [], "list": [], "plays": [], "search_clicks": []}
