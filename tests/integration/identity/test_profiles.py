"""Profiles: the five-profile limit, language tags, maturity, PINs, choosing and deleting."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient

from marquee.identity.events import PROFILE_DELETED
from marquee.kit.events import Event
from marquee.settings import Settings
from tests.integration.identity.conftest import PASSWORD, bearer, new_email, signup


def create(client: TestClient, tokens: dict[str, Any], **fields: Any) -> Any:
    return client.post(
        "/api/v1/profiles", json={"name": "Someone", **fields}, headers=bearer(tokens)
    )


def test_an_account_starts_with_one_profile_named_after_the_address(client: TestClient) -> None:
    email = new_email()
    tokens = signup(client, email)
    profiles = client.get("/api/v1/profiles", headers=bearer(tokens)).json()
    assert [p["name"] for p in profiles] == [email.split("@")[0]]
    assert profiles[0]["maturity"] == "adult"
    assert profiles[0]["has_pin"] is False


def test_a_sixth_profile_is_refused(client: TestClient) -> None:
    tokens = signup(client)
    for number in range(4):
        assert create(client, tokens, name=f"Member {number}").status_code == 201
    sixth = create(client, tokens, name="One too many")
    assert sixth.status_code == 409
    assert sixth.json()["type"] == "/problems/profile-limit"
    assert len(client.get("/api/v1/profiles", headers=bearer(tokens)).json()) == 5


def test_language_is_a_bcp47_tag_in_its_usual_case(client: TestClient) -> None:
    tokens = signup(client)
    created = create(client, tokens, language="zh-hant-tw", maturity="teen")
    assert created.json()["language"] == "zh-Hant-TW"
    assert created.json()["maturity"] == "teen"
    assert create(client, tokens, language="english!").status_code == 422
    assert create(client, tokens, maturity="toddler").status_code == 422
    assert create(client, tokens, pin="12a4").status_code == 422


def test_editing_a_profile_changes_only_what_is_sent(client: TestClient) -> None:
    tokens = signup(client)
    profile = create(client, tokens, name="Sam", language="fr").json()
    url = f"/api/v1/profiles/{profile['id']}"
    edited = client.patch(url, json={"name": "Samira"}, headers=bearer(tokens)).json()
    assert (edited["name"], edited["language"]) == ("Samira", "fr")


def test_autoplay_of_the_next_episode_is_on_until_a_profile_turns_it_off(
    client: TestClient,
) -> None:
    tokens = signup(client)
    profile = create(client, tokens, name="Binger").json()
    assert profile["autoplay_next"] is True
    url = f"/api/v1/profiles/{profile['id']}"
    assert (
        client.patch(url, json={"autoplay_next": False}, headers=bearer(tokens)).status_code == 200
    )
    profiles = {p["id"]: p for p in client.get("/api/v1/profiles", headers=bearer(tokens)).json()}
    assert profiles[profile["id"]]["autoplay_next"] is False
    assert create(client, tokens, name="Calm", autoplay_next=False).json()["autoplay_next"] is False


def test_autoplay_takes_only_a_boolean_and_a_refusal_changes_nothing(client: TestClient) -> None:
    tokens = signup(client)
    profile = create(client, tokens, name="Binger").json()
    url = f"/api/v1/profiles/{profile['id']}"
    body = {"autoplay_next": "sometimes", "name": "Renamed"}
    refused = client.patch(url, json=body, headers=bearer(tokens))
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    kept = client.get("/api/v1/profiles", headers=bearer(tokens)).json()
    assert {(p["name"], p["autoplay_next"]) for p in kept if p["id"] == profile["id"]} == {
        ("Binger", True)
    }


def test_setting_a_pin_needs_the_account_password(client: TestClient) -> None:
    tokens = signup(client)
    url = f"/api/v1/profiles/{create(client, tokens).json()['id']}"
    refused = client.patch(url, json={"pin": "4321"}, headers=bearer(tokens))
    assert refused.json()["type"] == "/problems/wrong-password"
    body = {"pin": "4321", "password": PASSWORD}
    assert client.patch(url, json=body, headers=bearer(tokens)).json()["has_pin"] is True
    body = {"pin": None, "password": PASSWORD}
    assert client.patch(url, json=body, headers=bearer(tokens)).json()["has_pin"] is False


def test_wrong_pins_are_refused_then_rate_limited(
    client: TestClient, identity_settings: Settings
) -> None:
    tokens = signup(client)
    profile = create(client, tokens, name="Parent", pin="2468").json()
    url = f"/api/v1/profiles/{profile['id']}/pin-check"
    assert client.post(url, json={"pin": "2468"}, headers=bearer(tokens)).status_code == 204
    for _ in range(identity_settings.pin_attempt_limit):
        wrong = client.post(url, json={"pin": "0000"}, headers=bearer(tokens))
        assert wrong.status_code == 403
        assert wrong.json()["type"] == "/problems/wrong-pin"
    limited = client.post(url, json={"pin": "2468"}, headers=bearer(tokens))
    assert limited.status_code == 429
    assert limited.json()["type"] == "/problems/rate-limited"
    assert int(limited.headers["Retry-After"]) > 0


def test_choosing_a_profile_makes_it_current_and_a_locked_one_needs_its_pin(
    client: TestClient,
) -> None:
    tokens = signup(client)
    none_yet = client.get("/api/v1/profiles/current", headers=bearer(tokens))
    assert none_yet.json()["type"] == "/problems/profile-not-selected"
    locked = create(client, tokens, name="Parent", pin="2468").json()
    select = f"/api/v1/profiles/{locked['id']}/select"
    refused = client.post(select, json={}, headers=bearer(tokens))
    assert refused.json()["type"] == "/problems/wrong-pin"
    assert client.post(select, json={"pin": "2468"}, headers=bearer(tokens)).status_code == 200
    current = client.get("/api/v1/profiles/current", headers=bearer(tokens)).json()
    assert current["id"] == locked["id"]


def test_profiles_of_another_account_are_not_found(client: TestClient) -> None:
    mine, theirs = signup(client), signup(client)
    their_profile = client.get("/api/v1/profiles", headers=bearer(theirs)).json()[0]
    url = f"/api/v1/profiles/{their_profile['id']}"
    assert client.patch(url, json={"name": "Mine now"}, headers=bearer(mine)).status_code == 404
    assert client.delete(url, headers=bearer(mine)).status_code == 404


def test_deleting_a_profile_publishes_an_event_and_the_last_one_stays(
    client: TestClient,
) -> None:
    tokens = signup(client)
    received: list[Event] = []
    delivered = threading.Event()

    def on_deleted(event: Event) -> None:
        received.append(event)
        delivered.set()

    client.app.state.platform.events.subscribe(  # type: ignore[attr-defined]
        PROFILE_DELETED, on_deleted, group="test"
    )
    extra = create(client, tokens, name="Guest").json()
    assert (
        client.delete(f"/api/v1/profiles/{extra['id']}", headers=bearer(tokens)).status_code == 204
    )
    assert delivered.wait(10)
    assert received[0].payload == {"account_id": tokens["account_id"], "profile_id": extra["id"]}
    last = client.get("/api/v1/profiles", headers=bearer(tokens)).json()[0]
    refused = client.delete(f"/api/v1/profiles/{last['id']}", headers=bearer(tokens))
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/last-profile"


def test_invisible_and_control_characters_are_taken_out_of_names(client: TestClient) -> None:
    tokens = signup(client)
    sneaky = "Ad\u202eult\u200b\u2066 Kid\x00\ufeff\u2060\u200d\u2069 "
    created = create(client, tokens, name=sneaky)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Adult Kid"
    url = f"/api/v1/profiles/{created.json()['id']}"
    renamed = client.patch(url, json={"name": "\u202bSam\u202c"}, headers=bearer(tokens))
    assert renamed.json()["name"] == "Sam"
    nothing = client.patch(url, json={"name": "\u200b\u202e\x00"}, headers=bearer(tokens))
    assert nothing.status_code == 422
    assert create(client, tokens, name="\u2067 \u2069").status_code == 422
