"""Security headers (kit.security_headers): the web app's Content-Security-Policy and its
companions on every answer, HSTS only behind an https public URL, and no API docs page (it
loads Swagger UI from a CDN) unless ``MARQUEE_API_DOCS`` turns it on."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from marquee.app import create_app
from marquee.settings import Settings

EDGES = [
    {"name": "eu-1", "url": "https://eu-1.cdn.example:8443/", "region": "eu"},
    {"name": "us-1", "url": "https://us-1.cdn.example", "region": "us"},
]


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings.model_copy(update={"delivery_edges": EDGES})))


@pytest.mark.parametrize("path", ["/", "/title/abc", "/favicon.ico"])
def test_the_web_app_has_a_policy_without_inline_script(client: TestClient, path: str) -> None:
    answer = client.get(path)
    policy = directives(answer.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:"]
    edges = ["https://eu-1.cdn.example:8443", "https://us-1.cdn.example"]
    assert policy["connect-src"] == ["'self'", *edges]
    assert policy["media-src"] == ["'self'", *edges, "blob:"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in answer.headers


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/catalog/titles/nope", "/api/v1/nowhere"])
def test_api_answers_are_not_sniffed_nor_framed(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.headers["content-type"].startswith("application/")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_hsts_only_when_the_public_url_is_https(settings: Settings) -> None:
    secure = settings.model_copy(update={"public_url": "https://marquee.example"})
    with TestClient(create_app(secure)) as client:
        answer = client.get("/healthz")
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")


def test_the_api_docs_page_is_off_unless_a_setting_turns_it_on(settings: Settings) -> None:
    assert TestClient(create_app(settings)).get("/api/docs").status_code == 404
    assert TestClient(create_app(settings)).get("/api/openapi.json").status_code == 200
    on = settings.model_copy(update={"api_docs": True})
    docs = TestClient(create_app(on)).get("/api/docs")
    assert docs.status_code == 200
    assert "content-security-policy" not in docs.headers  # its own page: Swagger UI from a CDN
    assert docs.headers["x-content-type-options"] == "nosniff"
