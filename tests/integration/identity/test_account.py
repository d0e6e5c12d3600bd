"""Account management: change of address, export, deletion, verification mail again."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from marquee.identity.events import ACCOUNT_DELETED
from marquee.kit.events import Event
from marquee.settings import Settings
from tests.integration.identity.conftest import (
    PASSWORD,
    bearer,
    new_email,
    signup,
    token_in,
    wait_for_mail,
)


def test_a_new_address_is_used_once_confirmed(
    mail_client: TestClient, identity_settings: Settings
) -> None:
    old, new = new_email(), new_email()
    tokens = signup(mail_client, old)
    body = {"new_email": new, "password": PASSWORD}
    assert (
        mail_client.post("/api/v1/account/email", json=body, headers=bearer(tokens)).status_code
        == 202
    )
    assert mail_client.get("/api/v1/account", headers=bearer(tokens)).json()["email"] == old
    token = token_in(wait_for_mail(identity_settings, new, "Confirm your new email"))
    assert mail_client.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 204
    account = mail_client.get("/api/v1/account", headers=bearer(tokens)).json()
    assert (account["email"], account["email_verified"]) == (new, True)
    wait_for_mail(identity_settings, old, "Your Marquee email address was changed")
    login = mail_client.post("/api/v1/auth/login", json={"email": new, "password": PASSWORD})
    assert login.status_code == 200


def test_changing_the_address_needs_the_password(client: TestClient) -> None:
    tokens = signup(client)
    body = {"new_email": new_email(), "password": "not my password"}
    response = client.post("/api/v1/account/email", json=body, headers=bearer(tokens))
    assert response.json()["type"] == "/problems/wrong-password"


def test_the_verification_mail_can_be_sent_again(
    mail_client: TestClient, identity_settings: Settings
) -> None:
    email = new_email()
    tokens = signup(mail_client, email)
    first = token_in(wait_for_mail(identity_settings, email, "Confirm your email"))
    url = "/api/v1/account/email/verify"
    assert mail_client.post(url, headers=bearer(tokens)).status_code == 202
    second = token_in(wait_for_mail(identity_settings, email, "Confirm your email", count=2))
    assert second != first
    old_link = mail_client.post("/api/v1/auth/verify-email", json={"token": first})
    assert old_link.status_code == 400  # the earlier link stopped working
    assert mail_client.post("/api/v1/auth/verify-email", json={"token": second}).status_code == 204


def test_export_has_the_account_profiles_and_devices(client: TestClient) -> None:
    email = new_email()
    tokens = signup(client, email)
    export = client.get("/api/v1/account/export", headers=bearer(tokens)).json()
    assert export["account"]["email"] == email
    assert len(export["profiles"]) == 1
    assert export["devices"][0]["current"] is True
    assert "password_hash" not in str(export)
    assert "pin_hash" not in str(export)
    assert "totp_secret" not in str(export)


def test_deleting_the_account_ends_it_and_tells_every_domain(client: TestClient) -> None:
    email = new_email()
    tokens = signup(client, email)
    delivered = threading.Event()
    received: list[Event] = []

    def on_deleted(event: Event) -> None:
        received.append(event)
        delivered.set()

    client.app.state.platform.events.subscribe(  # type: ignore[attr-defined]
        ACCOUNT_DELETED, on_deleted, group="test"
    )
    profiles = client.get("/api/v1/profiles", headers=bearer(tokens)).json()
    url = "/api/v1/account"
    wrong = client.request("DELETE", url, json={"password": "nope nope"}, headers=bearer(tokens))
    assert wrong.status_code == 403
    gone = client.request("DELETE", url, json={"password": PASSWORD}, headers=bearer(tokens))
    assert gone.status_code == 204
    assert delivered.wait(10)
    profile_ids = [p["id"] for p in profiles]
    assert received[0].payload == {"account_id": tokens["account_id"], "profile_ids": profile_ids}
    assert client.get(url, headers=bearer(tokens)).status_code == 401
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 401
    assert len(signup(client, email)["account_id"]) == 32  # the address is free again
