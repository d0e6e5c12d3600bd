"""Sign-up, sign-in, lock-out, rate limits, email verification and password reset."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from marquee.app import create_app
from marquee.identity.models import Account
from marquee.kit.db import Database
from marquee.settings import Settings
from tests.integration.identity.conftest import (
    PASSWORD,
    bearer,
    new_email,
    signup,
    token_in,
    wait_for_mail,
)


def login(client: TestClient, email: str, password: str = PASSWORD) -> Response:
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def problem(response: Response) -> tuple[int, str]:
    return response.status_code, response.json()["type"]


@pytest.fixture
def strict_client(identity_settings: Settings) -> Iterator[TestClient]:
    """Small limits, so that the limits can be reached in a test."""
    settings = identity_settings.model_copy(
        update={"signup_ip_limit": 3, "reset_account_limit": 2, "login_account_limit": 8}
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_signup_answers_201_with_tokens_and_a_browser_session(client: TestClient) -> None:
    email = new_email()
    response = client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201
    tokens = response.json()
    assert set(tokens) >= {"account_id", "access_token", "refresh_token"}
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("marquee_session="))
    csrf_cookie = next(c for c in cookies if c.startswith("marquee_csrf="))
    assert "HttpOnly" in session_cookie
    assert "samesite=lax" in session_cookie.lower()
    assert "HttpOnly" not in csrf_cookie
    assert "Secure" not in session_cookie  # public_url is http in tests
    by_token = client.get("/api/v1/account", headers=bearer(tokens))
    by_cookie = client.get("/api/v1/account")
    assert by_token.json()["email"] == by_cookie.json()["email"] == email
    assert by_token.json()["id"] == tokens["account_id"]
    assert by_token.json()["email_verified"] is False


def test_cookies_are_secure_when_the_site_is_https(identity_settings: Settings) -> None:
    settings = identity_settings.model_copy(update={"public_url": "https://watch.example"})
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        response = client.post(
            "/api/v1/auth/signup", json={"email": new_email(), "password": PASSWORD}
        )
    assert all("Secure" in c for c in response.headers.get_list("set-cookie"))


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short1!", "at least 10"), ("password1234", "too common"), ("aaaaaaaaaaaa", "too common")],
)
def test_weak_passwords_are_refused(client: TestClient, password: str, reason: str) -> None:
    response = client.post("/api/v1/auth/signup", json={"email": new_email(), "password": password})
    assert problem(response) == (422, "/problems/weak-password")
    assert reason in response.json()["detail"]


def test_a_password_containing_the_email_is_refused(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/signup",
        json={"email": "moviebuff@example.com", "password": "moviebuff-forever"},
    )
    assert problem(response) == (422, "/problems/weak-password")


def test_duplicate_email_looks_like_success_but_opens_nothing(
    mail_client: TestClient, identity_settings: Settings
) -> None:
    email = new_email()
    owner = signup(mail_client, email)
    stranger = mail_client.post(
        "/api/v1/auth/signup", json={"email": email.upper(), "password": "another good passphrase"}
    )
    assert stranger.status_code == 201
    assert set(stranger.json()) == set(owner)
    assert stranger.json()["account_id"] != owner["account_id"]
    assert {c.split("=")[0] for c in stranger.headers.get_list("set-cookie")} == {
        "marquee_session",
        "marquee_csrf",
    }
    assert mail_client.get("/api/v1/account", headers=bearer(stranger.json())).status_code == 401
    wait_for_mail(identity_settings, email, "You already have a Marquee account")
    assert login(mail_client, email).status_code == 200  # the owner's password is untouched
    assert login(mail_client, email, "another good passphrase").status_code == 401


def test_wrong_password_and_unknown_email_get_the_same_answer(client: TestClient) -> None:
    email = new_email()
    signup(client, email)
    wrong = login(client, email, "not the password at all")
    unknown = login(client, new_email(), "not the password at all")
    assert problem(wrong) == problem(unknown) == (401, "/problems/invalid-credentials")
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_login_returns_tokens_and_signs_in_this_device(client: TestClient) -> None:
    email = new_email()
    signup(client, email)
    response = login(client, email.upper())
    assert response.status_code == 200
    tokens = response.json()
    assert client.get("/api/v1/account", headers=bearer(tokens)).json()["email"] == email


def test_repeated_failures_lock_sign_in_even_with_the_right_password(
    client: TestClient, identity_settings: Settings
) -> None:
    email = new_email()
    signup(client, email)
    for _ in range(identity_settings.lockout_threshold):
        assert problem(login(client, email, "guessing wrongly")) == (
            401,
            "/problems/invalid-credentials",
        )
    locked = login(client, email)
    assert problem(locked) == (429, "/problems/account-locked")
    assert 0 < int(locked.headers["Retry-After"]) <= identity_settings.lockout_s


def test_unknown_emails_lock_the_same_way(client: TestClient, identity_settings: Settings) -> None:
    email = new_email()
    for _ in range(identity_settings.lockout_threshold):
        login(client, email, "guessing wrongly")
    assert problem(login(client, email, "guessing wrongly")) == (429, "/problems/account-locked")


def test_signups_from_one_address_are_rate_limited(strict_client: TestClient) -> None:
    for _ in range(3):
        signup(strict_client)
    response = strict_client.post(
        "/api/v1/auth/signup", json={"email": new_email(), "password": PASSWORD}
    )
    assert problem(response) == (429, "/problems/rate-limited")
    assert int(response.headers["Retry-After"]) > 0


def test_sign_ins_per_account_are_rate_limited(strict_client: TestClient) -> None:
    email = new_email()
    signup(strict_client, email)
    statuses = [login(strict_client, email).status_code for _ in range(9)]
    assert statuses == [200] * 8 + [429]


def test_reset_requests_are_rate_limited_per_address(strict_client: TestClient) -> None:
    email = new_email()
    for _ in range(2):
        reset = strict_client.post("/api/v1/auth/password-reset", json={"email": email})
        assert reset.status_code == 202
    response = strict_client.post("/api/v1/auth/password-reset", json={"email": email})
    assert problem(response) == (429, "/problems/rate-limited")
    assert "Retry-After" in response.headers


def test_email_verification_link_works_once(
    mail_client: TestClient, identity_settings: Settings
) -> None:
    email = new_email()
    tokens = signup(mail_client, email)
    token = token_in(wait_for_mail(identity_settings, email, "Confirm your email"))
    assert mail_client.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 204
    assert (
        mail_client.get("/api/v1/account", headers=bearer(tokens)).json()["email_verified"] is True
    )
    again = mail_client.post("/api/v1/auth/verify-email", json={"token": token})
    assert problem(again) == (400, "/problems/token-used")
    forged = mail_client.post("/api/v1/auth/verify-email", json={"token": token[:-3] + "abc"})
    assert problem(forged) == (401, "/problems/token-invalid")


def test_an_expired_verification_link_is_refused(identity_settings: Settings) -> None:
    settings = identity_settings.model_copy(update={"verify_token_ttl_s": 0.01})
    with TestClient(create_app(settings, run_workers=True)) as client:
        email = new_email()
        signup(client, email)
        token = token_in(wait_for_mail(settings, email, "Confirm your email"))
        response = client.post("/api/v1/auth/verify-email", json={"token": token})
    assert problem(response) == (400, "/problems/token-expired")


def test_password_reset_signs_out_everywhere_and_is_single_use(
    mail_client: TestClient, identity_settings: Settings
) -> None:
    email = new_email()
    old = signup(mail_client, email)
    for _ in range(identity_settings.lockout_threshold):  # the reset lifts the lock-out too
        login(mail_client, email, "guessing wrongly")
    assert problem(login(mail_client, email)) == (429, "/problems/account-locked")
    assert mail_client.post("/api/v1/auth/password-reset", json={"email": email}).status_code == 202
    token = token_in(wait_for_mail(identity_settings, email, "Reset your Marquee password"))
    weak = mail_client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": "123"}
    )
    assert problem(weak) == (422, "/problems/weak-password")
    new_password = "a brand new passphrase"
    body = {"token": token, "password": new_password}
    assert mail_client.post("/api/v1/auth/password-reset/confirm", json=body).status_code == 204
    assert mail_client.get("/api/v1/account", headers=bearer(old)).status_code == 401
    assert login(mail_client, email, new_password).status_code == 200
    reused = mail_client.post("/api/v1/auth/password-reset/confirm", json=body)
    assert problem(reused) == (400, "/problems/token-used")


def test_a_reset_for_an_unknown_address_answers_the_same_and_mails_nothing(
    mail_client: TestClient, identity_settings: Settings
) -> None:
    email = new_email()
    assert mail_client.post("/api/v1/auth/password-reset", json={"email": email}).status_code == 202
    with pytest.raises(AssertionError):
        wait_for_mail(identity_settings, email, "", timeout_s=1)


def test_an_expired_reset_link_is_refused(identity_settings: Settings) -> None:
    settings = identity_settings.model_copy(update={"reset_token_ttl_s": 0.01})
    with TestClient(create_app(settings, run_workers=True)) as client:
        email = new_email()
        signup(client, email)
        client.post("/api/v1/auth/password-reset", json={"email": email})
        token = token_in(wait_for_mail(settings, email, "Reset your"))
        body = {"token": token, "password": "a brand new passphrase"}
        response = client.post("/api/v1/auth/password-reset/confirm", json=body)
    assert problem(response) == (400, "/problems/token-expired")


def test_a_hash_made_with_old_parameters_is_upgraded_at_sign_in(
    identity_settings: Settings,
) -> None:
    email = new_email()
    with TestClient(create_app(identity_settings)) as client:
        signup(client, email)
    stronger = identity_settings.model_copy(update={"argon2_time_cost": 2})
    with TestClient(create_app(stronger)) as client:
        assert login(client, email).status_code == 200
    db = Database(identity_settings.resolved_database_url)
    with db.sessions() as session:
        account = session.query(Account).filter_by(email=email).one()
        assert ",t=2," in account.password_hash
    db.dispose()
