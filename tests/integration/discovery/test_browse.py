"""Browse rows as a viewer sees them."""

from __future__ import annotations

from typing import Any

from tests.integration.catalog.conftest import Caller
from tests.integration.discovery.conftest import (
    DURATION_S,
    POSITION_S,
    Callers,
    Studio,
    profile_of,
    relay,
)


def rows(caller: Caller, profile_id: str | None = None) -> dict[str, dict[str, Any]]:
    params = {"profile_id": profile_id or profile_of(caller)}
    response = caller.get("/api/v1/browse", params=params)
    assert response.status_code == 200, response.text
    found = {row["id"]: row for row in response.json()["rows"]}
    every = [item["id"] for row in found.values() for item in row["items"]]
    assert len(every) == len(set(every)), "a title appears at most once per page"
    return found


def ids(row: dict[str, Any]) -> list[str]:
    return [item["id"] for item in row["items"]]


def test_a_new_profile_gets_popular_and_new_rows(studio: Studio, callers: Callers) -> None:
    fresh = studio.title(f"Brand New {studio.tag}")
    found = rows(callers())
    assert "continue-watching" not in found
    assert not any(key.startswith(("because-", "genre-")) for key in found)
    assert fresh in ids(found["new-releases"])
    assert found["new-releases"]["title"] == "New Releases"
    assert all(row["reason"] for row in found.values())


def test_history_brings_personal_rows(studio: Studio, callers: Callers) -> None:
    watched = studio.title(f"Space Docs {studio.tag}", genres=(f"Space {studio.tag}",))
    also = studio.title(f"Mars Docs {studio.tag}", genres=(f"Space {studio.tag}",))
    sibling = studio.title(f"Moon Docs {studio.tag}", genres=(f"Space {studio.tag}",))
    viewer, other = callers(country="JP"), callers()  # no Top 10 in JP to take titles first
    studio.play(other, watched)
    studio.play(other, also)
    studio.play(viewer, watched)
    found = rows(viewer)
    assert ids(found["continue-watching"]) == [watched]
    because = found[f"because-{watched}"]
    assert because["title"] == f"Because You Watched Space Docs {studio.tag}"
    assert ids(because)[0] == also
    genre = found[f"genre-space-{studio.tag}"]
    assert genre["title"] == f"Space {studio.tag}"
    assert sibling in ids(genre)


def test_rows_change_when_the_profile_plays_something(studio: Studio, callers: Callers) -> None:
    title_id = studio.title(f"Replay {studio.tag}")
    viewer = callers()
    assert "continue-watching" not in rows(viewer)
    studio.play(viewer, title_id)
    assert ids(rows(viewer)["continue-watching"]) == [title_id]


def test_continue_watching_follows_playback_progress(studio: Studio, callers: Callers) -> None:
    first, second = studio.title(f"First {studio.tag}"), studio.title(f"Second {studio.tag}")
    viewer = callers(country="JP")
    studio.play(viewer, first)
    session_id = studio.start(viewer, second)
    assert ids(rows(viewer)["continue-watching"]) == [first], "started, no position yet"
    studio.heartbeat(viewer, session_id, POSITION_S)
    assert ids(rows(viewer)["continue-watching"]) == [second, first]
    studio.heartbeat(viewer, session_id, DURATION_S, state="ended")
    assert ids(rows(viewer)["continue-watching"]) == [first], "a finished movie leaves the row"
    removed = viewer.request("DELETE", f"/api/v1/profiles/{profile_of(viewer)}/history/{first}")
    assert removed.status_code == 204, removed.text
    relay(studio.platform)
    assert "continue-watching" not in rows(viewer)


def test_rows_change_when_the_catalog_does(studio: Studio, callers: Callers) -> None:
    viewer = callers()
    rows(viewer)  # cached now
    title_id = studio.title(f"Just Landed {studio.tag}")
    assert title_id in ids(rows(viewer)["new-releases"])
    studio.edit("POST", f"/titles/{title_id}/unpublish", None)
    assert all(title_id not in ids(row) for row in rows(viewer).values())


def test_a_kids_profile_sees_only_titles_for_kids(studio: Studio, callers: Callers) -> None:
    family = studio.title(f"Family Fun {studio.tag}", rating="G")
    grown = studio.title(f"Grown Up {studio.tag}", rating="R")
    kid = callers(maturity="kids")
    studio.play(kid, family)
    for title_id in (family, grown):
        studio.play(callers(), title_id, times=10)
    shown = {t for row in rows(kid).values() for t in ids(row)}
    assert family in shown
    assert grown not in shown


def test_a_profile_turned_to_kids_sees_kids_rows_at_once(studio: Studio, callers: Callers) -> None:
    grown = studio.title(f"Late Show {studio.tag}", rating="R")
    viewer = callers()
    studio.play(viewer, grown)
    assert grown in ids(rows(viewer)["continue-watching"])  # rows and profile cached now
    profile_id = profile_of(viewer)
    changed = viewer.request("PATCH", f"/api/v1/profiles/{profile_id}", json={"maturity": "kids"})
    assert changed.status_code == 200, changed.text
    assert all(grown not in ids(row) for row in rows(viewer).values())


def test_a_deleted_profile_has_no_rows(callers: Callers) -> None:
    viewer = callers()
    second = viewer.request("POST", "/api/v1/profiles", json={"name": "Second"}).json()["id"]
    rows(viewer, second)  # cached now
    assert viewer.request("DELETE", f"/api/v1/profiles/{second}").status_code == 204
    response = viewer.get("/api/v1/browse", params={"profile_id": second})
    assert response.status_code == 404


def test_top_10_is_per_country_and_ranked(studio: Studio, callers: Callers) -> None:
    french, german = studio.title(f"Le Hit {studio.tag}"), studio.title(f"Der Hit {studio.tag}")
    studio.play(callers(country="FR"), french, times=20)
    studio.play(callers(country="DE"), german, times=20)
    in_france = rows(callers(country="FR"))["top10-FR"]
    in_germany = rows(callers(country="DE"))["top10-DE"]
    assert in_france["title"] == "Top 10 in France"
    assert in_germany["title"] == "Top 10 in Germany"
    assert in_france["items"][0]["id"] == french
    assert in_france["items"][0]["rank"] == 1
    assert in_germany["items"][0]["id"] == german
    assert german not in ids(in_france)
    assert french not in ids(in_germany)
    assert [item["rank"] for item in in_france["items"]] == list(
        range(1, len(in_france["items"]) + 1)
    )
    assert len(in_france["items"]) <= 10


def test_a_profile_of_another_account_is_not_found(callers: Callers) -> None:
    someone, viewer = callers(), callers()
    response = viewer.get("/api/v1/browse", params={"profile_id": profile_of(someone)})
    assert response.status_code == 404


def test_an_anonymous_or_signed_out_caller_is_refused(callers: Callers) -> None:
    anonymous = callers.client().get("/api/v1/browse", params={"profile_id": "p"})
    assert anonymous.status_code == 401
    assert anonymous.json()["type"] == "/problems/not-authenticated"
    forged = callers.client().get(
        "/api/v1/browse", params={"profile_id": "p"}, headers={"Authorization": "Bearer x.y.z"}
    )
    assert forged.status_code == 401
