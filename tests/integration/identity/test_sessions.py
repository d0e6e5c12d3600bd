"""Access and refresh tokens, cookie sessions with CSRF, devices, two-step sign-in."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from marquee.app import create_app
from marquee.settings import Settings
from tests.integration.identity.conftest import PASSWORD, bearer, new_email, signup
from tests.services import REDIS_URL, need

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def refresh(client: TestClient, token: str) -> Response:
    return client.post("/api/v1/auth/refresh", json={"refresh_token": token})


def login(client: TestClient, email: str, user_agent: str = FIREFOX) -> Response:
    return client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": PASSWORD},
        headers={"User-Agent": user_agent},
    )


def check_refresh_rotation(client: TestClient) -> None:
    first = signup(client)
    second = refresh(client, first["refresh_token"])
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/account", headers=bearer(rotated)).status_code == 200
    reused = refresh(client, first["refresh_token"])
    assert reused.status_code == 401
    assert reused.json()["type"] == "/problems/token-reused"
    # the whole family is gone: the newest refresh token and its access token too
    assert refresh(client, rotated["refresh_token"]).status_code == 401
    assert client.get("/api/v1/account", headers=bearer(rotated)).status_code == 401


def test_a_reused_refresh_token_revokes_its_family(client: TestClient) -> None:
    check_refresh_rotation(client)


def test_a_forged_refresh_token_is_refused_without_harm(client: TestClient) -> None:
    tokens = signup(client)
    forged = tokens["refresh_token"][:-4] + "AAAA"
    assert refresh(client, forged).json()["type"] == "/problems/token-invalid"
    assert refresh(client, tokens["refresh_token"]).status_code == 200


def test_an_expired_access_token_is_refused(identity_settings: Settings) -> None:
    settings = identity_settings.model_copy(update={"access_token_ttl_s": 0.2})
    with TestClient(create_app(settings)) as client:
        tokens = signup(client)
        time.sleep(0.3)
        response = client.get("/api/v1/account", headers=bearer(tokens))
        assert response.status_code == 401
        assert response.json()["type"] == "/problems/token-expired"
        renewed = refresh(client, tokens["refresh_token"]).json()
        assert client.get("/api/v1/account", headers=bearer(renewed)).status_code == 200


def test_an_expired_refresh_token_is_refused(identity_settings: Settings) -> None:
    settings = identity_settings.model_copy(update={"session_ttl_s": 1})
    with TestClient(create_app(settings)) as client:
        tokens = signup(client)
        time.sleep(1.1)
        response = refresh(client, tokens["refresh_token"])
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/token-expired"


def test_cookie_requests_that_change_state_need_the_csrf_token(client: TestClient) -> None:
    signup(client)
    profile = {"name": "Second"}
    missing = client.post("/api/v1/profiles", json=profile)
    assert missing.status_code == 403
    assert missing.json()["type"] == "/problems/csrf-failed"
    wrong = client.post("/api/v1/profiles", json=profile, headers={"X-CSRF-Token": "nope"})
    assert wrong.json()["type"] == "/problems/csrf-failed"
    assert client.get("/api/v1/profiles").status_code == 200  # reads need no token
    csrf = client.cookies["marquee_csrf"]
    ok = client.post("/api/v1/profiles", json=profile, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201


def test_bearer_requests_are_exempt_from_csrf(client: TestClient) -> None:
    tokens = signup(client)
    client.cookies.clear()
    response = client.post("/api/v1/profiles", json={"name": "Other"}, headers=bearer(tokens))
    assert response.status_code == 201


def test_logout_ends_the_cookie_and_the_tokens(client: TestClient) -> None:
    tokens = signup(client)
    csrf = client.cookies["marquee_csrf"]
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/account").status_code == 401
    assert client.get("/api/v1/account", headers=bearer(tokens)).status_code == 401
    assert refresh(client, tokens["refresh_token"]).status_code == 401


def test_requests_without_credentials_are_refused(client: TestClient) -> None:
    response = client.get("/api/v1/account")
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/not-authenticated"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_devices_are_listed_and_can_be_signed_out(identity_settings: Settings) -> None:
    settings = identity_settings.model_copy(update={"geo_networks": "203.0.113.0/24=FR"})
    with TestClient(create_app(settings), client=("203.0.113.7", 5000)) as client:
        email = new_email()
        signup(client, email)
        laptop = login(client, email, FIREFOX).json()
        phone = login(client, email, IPHONE).json()
        devices = client.get("/api/v1/account/devices", headers=bearer(laptop)).json()
        assert len(devices) == 3
        names = {d["device_name"] for d in devices}
        assert {"Firefox on Linux", "Safari on iPhone"} <= names
        assert all(d["ip"] == "203.0.113.7" and d["ip_country"] == "FR" for d in devices)
        assert [d["current"] for d in devices].count(True) == 1
        phone_id = next(d["id"] for d in devices if d["device_name"] == "Safari on iPhone")
        gone = client.delete(f"/api/v1/account/devices/{phone_id}", headers=bearer(laptop))
        assert gone.status_code == 204
        assert client.get("/api/v1/account", headers=bearer(phone)).status_code == 401
        assert client.get("/api/v1/account", headers=bearer(laptop)).status_code == 200
        assert client.delete("/api/v1/account/devices", headers=bearer(laptop)).status_code == 204
        assert client.get("/api/v1/account", headers=bearer(laptop)).status_code == 401


def test_changing_the_password_signs_out_the_other_devices_only(client: TestClient) -> None:
    email = new_email()
    here = signup(client, email)
    elsewhere = login(client, email).json()
    change = {"current_password": PASSWORD, "new_password": "a different passphrase"}
    response = client.post("/api/v1/account/password", json=change, headers=bearer(here))
    assert response.status_code == 204
    assert client.get("/api/v1/account", headers=bearer(here)).status_code == 200
    assert client.get("/api/v1/account", headers=bearer(elsewhere)).status_code == 401
    wrong = client.post("/api/v1/account/password", json=change, headers=bearer(here))
    assert wrong.json()["type"] == "/problems/wrong-password"


def enable_totp(client: TestClient, tokens: dict[str, str]) -> tuple[pyotp.TOTP, list[str]]:
    setup = client.post("/api/v1/account/mfa/totp", headers=bearer(tokens)).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    totp = pyotp.TOTP(setup["secret"])
    confirm = client.post(
        "/api/v1/account/mfa/totp/confirm", json={"code": totp.now()}, headers=bearer(tokens)
    )
    assert confirm.status_code == 200
    return totp, confirm.json()["recovery_codes"]


def test_two_step_sign_in_with_totp_and_recovery_codes(client: TestClient) -> None:
    email = new_email()
    tokens = signup(client, email)
    totp, recovery = enable_totp(client, tokens)
    assert len(recovery) == 10
    step = login(client, email).json()
    assert step["mfa_required"] is True
    assert "access_token" not in step
    mfa_url = "/api/v1/auth/login/mfa"
    wrong = client.post(mfa_url, json={"mfa_token": step["mfa_token"], "code": "000000"})
    assert wrong.json()["type"] == "/problems/wrong-code"
    code = totp.now()
    signed_in = client.post(mfa_url, json={"mfa_token": step["mfa_token"], "code": code})
    assert signed_in.status_code == 200
    assert client.get("/api/v1/account", headers=bearer(signed_in.json())).json()["mfa_enabled"]
    replay = client.post(
        mfa_url, json={"mfa_token": login(client, email).json()["mfa_token"], "code": code}
    )
    assert replay.json()["type"] == "/problems/wrong-code"
    for expected in (200, 401):
        step = login(client, email).json()
        body = {"mfa_token": step["mfa_token"], "code": recovery[0]}
        assert client.post(mfa_url, json=body).status_code == expected


def test_an_mfa_step_dies_after_too_many_wrong_codes(client: TestClient) -> None:
    email = new_email()
    totp, _ = enable_totp(client, signup(client, email))
    token = login(client, email).json()["mfa_token"]
    for _ in range(5):
        client.post("/api/v1/auth/login/mfa", json={"mfa_token": token, "code": "000000"})
    last = client.post("/api/v1/auth/login/mfa", json={"mfa_token": token, "code": totp.now()})
    assert last.json()["type"] == "/problems/token-invalid"


def test_turning_two_step_off_needs_the_password(client: TestClient) -> None:
    email = new_email()
    tokens = signup(client, email)
    enable_totp(client, tokens)
    url = "/api/v1/account/mfa/totp"
    wrong = client.request("DELETE", url, json={"password": "nope nope"}, headers=bearer(tokens))
    assert wrong.status_code == 403
    ok = client.request("DELETE", url, json={"password": PASSWORD}, headers=bearer(tokens))
    assert ok.status_code == 204
    assert "access_token" in login(client, email).json()


@pytest.fixture
def redis_client(identity_settings: Settings) -> Iterator[TestClient]:
    need("redis")
    url = f"{REDIS_URL}?prefix=test-identity-{uuid.uuid4().hex[:8]}:"
    settings = identity_settings.model_copy(update={"cache_url": url, "signup_ip_limit": 2})
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.integration
def test_sessions_and_limits_on_redis(redis_client: TestClient) -> None:
    check_refresh_rotation(redis_client)
    signup(redis_client)
    response = redis_client.post(
        "/api/v1/auth/signup", json={"email": new_email(), "password": PASSWORD}
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_a_device_behind_a_trusted_proxy_is_the_client_it_forwards(
    identity_settings: Settings,
) -> None:
    """Address and country come through trusted proxies only: what the client itself wrote to
    the left of the first untrusted hop is ignored."""
    update = {"trusted_proxies": "10.0.0.0/8", "geo_networks": "203.0.113.0/24=FR"}
    settings = identity_settings.model_copy(update=update)
    with TestClient(create_app(settings), client=("10.0.0.2", 5000)) as client:
        client.headers["X-Forwarded-For"] = "198.51.100.9, 203.0.113.7"
        tokens = signup(client)
        devices = client.get("/api/v1/account/devices", headers=bearer(tokens)).json()
    assert [(d["ip"], d["ip_country"]) for d in devices] == [("203.0.113.7", "FR")]
