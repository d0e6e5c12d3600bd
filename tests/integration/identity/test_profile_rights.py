"""Who may change which profile: a kids profile only its own avatar; maturity, PINs and other
profiles need the account password or an adult profile's PIN (issue 19, item 2)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.identity.conftest import PASSWORD, bearer, signup

APPROVAL = "/api/v1/profiles/approval"


def create(client: TestClient, tokens: dict[str, Any], **fields: Any) -> Any:
    response = client.post("/api/v1/profiles", json=fields, headers=bearer(tokens))
    assert response.status_code == 201, response.text
    return response.json()


def select(
    client: TestClient, tokens: dict[str, Any], profile_id: str, pin: str | None = None
) -> None:
    url = f"/api/v1/profiles/{profile_id}/select"
    response = client.post(url, json={"pin": pin}, headers=bearer(tokens))
    assert response.status_code == 200, response.text


def patch(client: TestClient, tokens: dict[str, Any], profile_id: str, **fields: Any) -> Any:
    return client.patch(f"/api/v1/profiles/{profile_id}", json=fields, headers=bearer(tokens))


def family(client: TestClient) -> tuple[dict[str, Any], str, str]:
    """An account with a PIN-locked parent profile and a kids profile, the device on the kid."""
    tokens = signup(client)
    parent = client.get("/api/v1/profiles", headers=bearer(tokens)).json()[0]["id"]
    body = {"pin": "2468", "password": PASSWORD}
    assert patch(client, tokens, parent, **body).status_code == 200
    kid = create(client, tokens, name="Kid", maturity="kids")["id"]
    select(client, tokens, kid)
    return tokens, parent, kid


def refused(response: Any) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["type"] == "/problems/approval-required"


def test_a_kids_profile_changes_nothing_but_its_own_avatar(client: TestClient) -> None:
    tokens, parent, kid = family(client)
    refused(patch(client, tokens, kid, maturity="adult"))
    refused(patch(client, tokens, kid, name="Grown-up"))
    refused(patch(client, tokens, kid, autoplay_next=False))
    refused(patch(client, tokens, parent, name="Mine now"))
    refused(patch(client, tokens, parent, maturity="kids"))
    refused(client.delete(f"/api/v1/profiles/{parent}", headers=bearer(tokens)))
    refused(client.post("/api/v1/profiles", json={"name": "Free"}, headers=bearer(tokens)))
    profiles = {p["id"]: p for p in client.get("/api/v1/profiles", headers=bearer(tokens)).json()}
    assert profiles[kid]["maturity"] == "kids"
    assert profiles[parent]["maturity"] == "adult"
    assert len(profiles) == 2

    changed = patch(client, tokens, kid, avatar="green", name="Kid", maturity="kids")
    assert changed.status_code == 200, "the same values sent again are no change"
    assert changed.json()["avatar"] == "green"


def test_the_account_password_approves_a_change(client: TestClient) -> None:
    tokens, _parent, kid = family(client)
    wrong = patch(client, tokens, kid, maturity="teen", password="not the password at all")
    assert wrong.json()["type"] == "/problems/wrong-password"
    assert patch(client, tokens, kid, maturity="teen", password=PASSWORD).status_code == 200
    refused(patch(client, tokens, kid, maturity="adult"))  # that approved one update only

    assert (
        client.post(APPROVAL, json={"password": PASSWORD}, headers=bearer(tokens)).status_code
        == 204
    )
    assert patch(client, tokens, kid, maturity="adult").status_code == 200


def test_an_adult_profiles_pin_approves_the_device_until_a_kid_is_chosen(
    client: TestClient,
) -> None:
    tokens, parent, kid = family(client)
    wrong = client.post(APPROVAL, json={"pin": "0000"}, headers=bearer(tokens))
    assert wrong.status_code == 403
    assert wrong.json()["type"] == "/problems/wrong-pin"
    assert client.post(APPROVAL, json={}, headers=bearer(tokens)).status_code == 403

    assert client.post(APPROVAL, json={"pin": "2468"}, headers=bearer(tokens)).status_code == 204
    assert patch(client, tokens, parent, name="Parent").status_code == 200
    assert patch(client, tokens, kid, language="fr").status_code == 200

    select(client, tokens, kid)  # choosing the kid again ends the approval
    refused(patch(client, tokens, kid, maturity="teen"))


def test_a_kids_profiles_own_pin_approves_nothing(client: TestClient) -> None:
    tokens = signup(client)
    kid = create(client, tokens, name="Kid", maturity="kids", pin="1357")["id"]
    select(client, tokens, kid, pin="1357")
    assert client.post(APPROVAL, json={"pin": "1357"}, headers=bearer(tokens)).status_code == 403
    refused(patch(client, tokens, kid, maturity="adult"))


def test_choosing_an_adult_profile_with_its_pin_approves_the_device(client: TestClient) -> None:
    tokens, parent, kid = family(client)
    select(client, tokens, parent, pin="2468")
    assert patch(client, tokens, kid, maturity="teen").status_code == 200
    extra = create(client, tokens, name="Guest")["id"]
    assert client.delete(f"/api/v1/profiles/{extra}", headers=bearer(tokens)).status_code == 204


def test_a_teen_profile_edits_its_own_name_but_not_its_maturity(client: TestClient) -> None:
    tokens = signup(client)
    teen = create(client, tokens, name="Teen", maturity="teen")["id"]
    select(client, tokens, teen)
    assert patch(client, tokens, teen, name="Teenager", language="de").status_code == 200
    assert patch(client, tokens, teen, autoplay_next=False).json()["autoplay_next"] is False
    refused(patch(client, tokens, teen, maturity="adult"))
