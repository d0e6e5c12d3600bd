"""The HTTP application: health, readiness, metrics, request ids and problem details."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marquee.app import create_app
from marquee.kit.event_transports import RedisStreamsTransport
from marquee.settings import Settings

UNREACHABLE_REDIS = "redis://127.0.0.1:1/2"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_healthz_answers_while_the_process_is_up(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_names_every_dependency_and_each_is_ok(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "storage", "cache", "queue", "events"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_says_which_dependency_is_down(settings: Settings) -> None:
    broken = settings.model_copy(update={"cache_url": UNREACHABLE_REDIS})
    with TestClient(create_app(broken)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["ok"] is False
    assert "error" in checks["cache"]
    assert checks["database"]["ok"] is True


def test_readyz_says_when_the_events_bus_stops_answering(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app) as client:
        # A bus down at start-up stops the start; one that goes away later is what this finds.
        app.state.platform.events.transport = RedisStreamsTransport(UNREACHABLE_REDIS)
        response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["events"]["ok"] is False
    assert checks["database"]["ok"] is True


LOOPBACK = ("127.0.0.1", 50000)


def test_metrics_count_requests_per_route_template(settings: Settings) -> None:
    with TestClient(create_app(settings), client=LOOPBACK) as client:
        client.get("/healthz")
        text = client.get("/metrics").text
    assert 'marquee_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert "marquee_http_request_duration_seconds_bucket" in text


def test_metrics_answer_only_the_networks_of_the_setting(settings: Settings) -> None:
    """MARQUEE_METRICS_NETWORKS (loopback by default), judged on the client's address through
    the trusted proxies: a local reverse proxy forwarding the public is not loopback."""
    proxied = settings.model_copy(update={"trusted_proxies": "127.0.0.1/32"})
    office = settings.model_copy(update={"metrics_networks": "10.1.0.0/16"})
    with TestClient(create_app(settings), client=("203.0.113.9", 50000)) as outside:
        refused = outside.get("/metrics")
    with TestClient(create_app(proxied), client=LOOPBACK) as proxy:
        forwarded = proxy.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        local = proxy.get("/metrics")
    with TestClient(create_app(office), client=("10.1.2.3", 50000)) as scraper:
        scraped = scraper.get("/metrics")
    assert refused.status_code == forwarded.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert local.status_code == scraped.status_code == 200


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    assert len(client.get("/healthz").headers["x-request-id"]) == 32
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"


def test_an_unknown_api_path_is_a_problem_document(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here", headers={"X-Request-ID": "req-1"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/not-found"
    assert body["status"] == 404
    assert body["request_id"] == "req-1"


def test_openapi_document_is_published(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    assert document["info"]["title"] == "Marquee"
