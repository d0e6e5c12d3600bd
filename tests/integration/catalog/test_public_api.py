"""What viewers see: only titles available to them, localized, rated for their territory."""

from __future__ import annotations

from typing import Any

from tests.integration.catalog.conftest import Caller, Callers, available, new_title


def _body_without_request_id(response: Any) -> dict[str, Any]:
    body = dict(response.json())
    body.pop("request_id")
    return body


def test_unknown_and_unavailable_titles_answer_the_same_404(
    editor: Caller, callers: Callers
) -> None:
    draft = new_title(editor)
    elsewhere = new_title(editor)
    available(editor, elsewhere["id"], territories=["JP"])
    adult = new_title(editor)
    editor.request("PUT", f"/api/v1/studio/titles/{adult['id']}/ratings/US", json={"value": "R"})
    available(editor, adult["id"])
    kid = callers(country="US", maturity="kids")

    answers = [
        kid.get(f"/api/v1/titles/{title_id}")
        for title_id in ("0" * 32, draft["id"], elsewhere["id"], adult["id"])
    ]

    assert {a.status_code for a in answers} == {404}
    assert len({str(_body_without_request_id(a)) for a in answers}) == 1


def test_the_list_shows_only_what_the_callers_territory_and_profile_allow(
    editor: Caller, callers: Callers
) -> None:
    genre = f"Genre {editor.headers['Authorization'][-8:]}"
    everywhere = new_title(editor, genres=[genre])
    eu_only = new_title(editor, genres=[genre])
    for title in (everywhere, eu_only):
        rating = {"value": "ALL"}
        editor.request("PUT", f"/api/v1/studio/titles/{title['id']}/ratings/*", json=rating)
    available(editor, everywhere["id"])
    available(editor, eu_only["id"], territories=["EU"])
    mature = new_title(editor, genres=[genre])
    editor.request("PUT", f"/api/v1/studio/titles/{mature['id']}/ratings/FR", json={
        "system": "MARQUEE", "value": "18+"
    })  # fmt: skip
    editor.request("PUT", f"/api/v1/studio/titles/{mature['id']}/ratings/*", json={"value": "7+"})
    available(editor, mature["id"])
    not_published = new_title(editor, genres=[genre])

    def listed(caller: Caller) -> set[str]:
        page = caller.get("/api/v1/titles", params={"genre": genre}).json()
        assert page["total"] == len(page["items"])
        return {item["id"] for item in page["items"]}

    assert listed(callers(country="FR", maturity="adult")) == {
        everywhere["id"], eu_only["id"], mature["id"]
    }  # fmt: skip
    assert listed(callers(country="FR", maturity="kids")) == {everywhere["id"], eu_only["id"]}
    assert listed(callers(country="US", maturity="kids")) == {everywhere["id"], mature["id"]}
    assert not_published["id"] not in listed(callers(country="DE"))


def test_unrated_titles_are_for_adult_profiles_only(editor: Caller, callers: Callers) -> None:
    title = new_title(editor)
    available(editor, title["id"])
    url = f"/api/v1/titles/{title['id']}"
    assert callers(maturity="adult").get(url).status_code == 200
    assert callers(maturity="teen").get(url).status_code == 404


def test_a_title_is_localized_for_the_profile_then_accept_language_then_original(
    editor: Caller, callers: Callers
) -> None:
    title = new_title(
        editor,
        original_title="Le Grand Voyage",
        original_language="fr",
        synopsis="Un voyage.",
        localizations={
            "en": {"title": "The Long Journey", "synopsis": "A journey."},
            "pt-BR": {"title": "A Longa Viagem", "synopsis": "Uma viagem."},
        },
    )
    available(editor, title["id"])
    url = f"/api/v1/titles/{title['id']}"

    british = callers(language="en-GB").get(url).json()
    portuguese = callers(language="pt-PT").get(url).json()
    german = callers(language="de")
    by_header = german.get(url, headers={"Accept-Language": "pt-BR, en;q=0.5"}).json()
    original = german.get(url).json()

    assert (british["title"], british["language"]) == ("The Long Journey", "en")
    assert (portuguese["title"], portuguese["language"]) == ("A Longa Viagem", "pt-BR")
    assert by_header["title"] == "A Longa Viagem"
    assert (original["title"], original["synopsis"], original["language"]) == (
        "Le Grand Voyage", "Un voyage.", "fr"
    )  # fmt: skip


def test_a_series_shows_its_seasons_episodes_and_the_rating_of_the_callers_territory(
    editor: Caller, callers: Callers
) -> None:
    series = new_title(editor, kind="series", original_title="Harbour Lights")
    studio = f"/api/v1/studio/titles/{series['id']}"
    editor.request("PUT", f"{studio}/ratings/DE", json={"value": "12"})
    editor.request("PUT", f"{studio}/ratings/US", json={"system": "US-TV", "value": "TV-MA"})
    body = editor.request("POST", f"{studio}/seasons", json={"number": 1}).json()
    season_id = body["seasons"][0]["id"]
    for number in (2, 1):
        episode = {"number": number, "original_title": f"Episode {number}"}
        editor.request("POST", f"/api/v1/studio/seasons/{season_id}/episodes", json=episode)
    available(editor, series["id"])

    german = callers(country="DE", maturity="teen").get(f"/api/v1/titles/{series['id']}").json()
    american = callers(country="US", maturity="teen").get(f"/api/v1/titles/{series['id']}")

    assert german["rating"] == {
        "territory": "DE",
        "system": "FSK",
        "value": "12",
        "maturity": "teen",
    }
    assert [e["title"] for e in german["seasons"][0]["episodes"]] == ["Episode 1", "Episode 2"]
    assert german["playable"] is False
    assert american.status_code == 404


def test_the_catalog_needs_a_signed_in_caller(callers: Callers) -> None:
    response = callers.client("US").get("/api/v1/titles")
    assert response.status_code == 401
