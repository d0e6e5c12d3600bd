"""Input no client would send answers 4xx problem+json, never 500 (issue 19, item 5): secrets
are compared as bytes, token alphabets are checked, integers are bounded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.catalog.conftest import Callers

PROBLEM = "application/problem+json"


def refused(response: Any) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.headers["content-type"].startswith(PROBLEM)


def post_json(client: Any, path: str, body: object, **kwargs: Any) -> Any:
    """POST ``body`` as JSON with escapes (``\\ud800``: a lone surrogate, which a client's own
    encoder refuses to send but a server must still read)."""
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    return client.request("POST", path, content=json.dumps(body), headers=headers, **kwargs)


@pytest.fixture
def anonymous(app: FastAPI) -> Any:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("token", ["a.b.é", "é", "a.b.\xe9\xff", "a.b"])
def test_a_bearer_token_of_any_characters_is_refused(anonymous: TestClient, token: str) -> None:
    header = f"Bearer {token}".encode()
    refused(anonymous.get("/api/v1/account", headers={"Authorization": header}))


@pytest.mark.parametrize("token", ["é", "abc.é", "é.abc", "\ud800.x", "a.\ud800", "abc.²"])
@pytest.mark.parametrize(
    "path", ["/api/v1/auth/verify-email", "/api/v1/auth/password-reset/confirm"]
)
def test_a_mailed_token_of_any_characters_is_refused(
    anonymous: TestClient, path: str, token: str
) -> None:
    body = {"token": token, "password": "correct horse battery staple"}
    refused(post_json(anonymous, path, body))


@pytest.mark.parametrize(
    "token", ["mrt.a.b.².1.n.m", "mrt.a.b.1.1.n.é", "mrt.é.b.1.1.n.m", "mrt.a.b.1.\ud800.n.m"]
)
def test_a_refresh_token_of_any_characters_is_refused(anonymous: TestClient, token: str) -> None:
    refused(post_json(anonymous, "/api/v1/auth/refresh", {"refresh_token": token}))


@pytest.mark.parametrize("token", ["%C3%A9", "%ED%A0%80", "abc%FF"])
def test_a_manifest_token_of_any_characters_is_refused(anonymous: TestClient, token: str) -> None:
    refused(anonymous.get(f"/api/v1/playback/sessions/abc/{token}/manifest.mpd"))


def test_a_csrf_header_of_any_characters_is_refused(callers: Callers) -> None:
    viewer = callers()  # signs in: the client now holds the session and CSRF cookies
    client = viewer.client
    for sent in (b"\xe9", "é".encode(), b"abc\xff"):
        refused(client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": sent}))
    assert client.get("/api/v1/account").status_code == 200  # the cookie session still holds


@pytest.mark.parametrize("code", ["12345²", "١٢٣٤٥٦", "12345é", "\ud800\ud800\ud800"])
def test_a_totp_code_of_any_characters_is_refused(callers: Callers, code: str) -> None:
    viewer = callers()
    started = viewer.request("POST", "/api/v1/account/mfa/totp")
    assert started.status_code == 200, started.text
    path = "/api/v1/account/mfa/totp/confirm"
    refused(post_json(viewer.client, path, {"code": code}, headers=viewer.headers))


@pytest.mark.parametrize("code", ["12345²", "١٢٣٤٥٦", "\ud800" * 6])
def test_a_second_factor_of_any_characters_is_refused(anonymous: TestClient, code: str) -> None:
    body = {"mfa_token": "é.\ud800", "code": code}
    refused(post_json(anonymous, "/api/v1/auth/login/mfa", body))


@pytest.mark.parametrize("page", ["317148820250798080", str(2**63), "99999999999999999999999"])
def test_a_page_past_any_catalog_is_refused(callers: Callers, page: str) -> None:
    editor = callers("editor")
    editor.client.raise_server_exceptions = False  # type: ignore[attr-defined]
    refused(editor.get("/api/v1/studio/titles", params={"page": page}))
