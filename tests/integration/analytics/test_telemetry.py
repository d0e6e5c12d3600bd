"""POST /api/v1/playback/sessions/{id}/events: the player's telemetry reaches the lake; only the
session's account may post, batches and rates are bounded, unknown fields answer 422."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.analytics.conftest import World, sample, telemetry


def test_a_batch_lands_in_the_lake_once_even_when_sent_twice(world: World) -> None:
    viewer = world.caller()
    session_id = world.session_of(viewer)
    url = f"/api/v1/playback/sessions/{session_id}/events"
    batch = {
        "events": [
            telemetry(
                "startup", startup_ms=850, manifest_ms=120, licence_ms=90, first_segment_ms=300
            ),
            telemetry("stall_start", position_s=30),
            telemetry("stall_end", position_s=30, duration_ms=1500),
            telemetry(
                "quality_change",
                from_height=360,
                to_height=720,
                from_bitrate_kbps=800,
                to_bitrate_kbps=2500,
            ),
            telemetry("error", code="MEDIA_ERR_DECODE", message="bad frame"),
            sample(height=720, bitrate_kbps=2500),
        ]
    }
    first = viewer.call("POST", url, json=batch)
    assert first.status_code == 202, first.text
    assert first.json() == {"accepted": 6}
    world.relay()
    assert viewer.call("POST", url, json=batch).status_code == 202
    world.relay()
    assert world.lake_rows(session_id) == 6


def test_another_accounts_session_is_not_found(world: World) -> None:
    owner, stranger = world.caller(), world.caller()
    session_id = world.session_of(owner)
    answer = stranger.call(
        "POST", f"/api/v1/playback/sessions/{session_id}/events", json={"events": [sample()]}
    )
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    world.relay()
    assert world.lake_rows(session_id) == 0


def test_unknown_fields_and_kinds_answer_422_naming_them(world: World) -> None:
    viewer = world.caller()
    session_id = world.session_of(viewer)
    url = f"/api/v1/playback/sessions/{session_id}/events"
    misspelt = viewer.call("POST", url, json={"events": [sample(bufer_s=3)]})
    assert misspelt.status_code == 422
    assert any("bufer_s" in error["loc"] for error in misspelt.json()["errors"])
    unknown = viewer.call("POST", url, json={"events": [telemetry("rewind")]})
    assert unknown.status_code == 422
    negative = viewer.call("POST", url, json={"events": [telemetry("startup", startup_ms=-5)]})
    assert negative.status_code == 422
    naive = telemetry("stall_start") | {"at": "2026-12-06T12:00:00"}
    assert viewer.call("POST", url, json={"events": [naive]}).status_code == 422
    world.relay()
    assert world.lake_rows(session_id) == 0


def test_a_batch_over_the_limit_answers_413_and_writes_nothing(world: World) -> None:
    viewer = world.caller()
    session_id = world.session_of(viewer)
    url = f"/api/v1/playback/sessions/{session_id}/events"
    limit = world.platform.settings.analytics_telemetry_max_events
    answer = viewer.call("POST", url, json={"events": [sample() for _ in range(limit + 1)]})
    assert answer.status_code == 413
    assert answer.json()["type"] == "/problems/too-many-events"
    world.relay()
    assert world.lake_rows(session_id) == 0


def test_too_many_batches_answer_429_with_retry_after(world: World) -> None:
    viewer = world.caller()
    session_id = world.session_of(viewer)
    url = f"/api/v1/playback/sessions/{session_id}/events"
    for _ in range(world.platform.settings.analytics_telemetry_limit):
        assert viewer.call("POST", url, json={"events": [sample()]}).status_code == 202
    refused = viewer.call("POST", url, json={"events": [sample()]})
    assert refused.status_code == 429
    assert refused.json()["type"] == "/problems/telemetry-rate-limited"
    assert int(refused.headers["retry-after"]) > 0


def _scrape(world: World) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = world.client.get("/metrics").text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("marquee_playback_")
    }


def test_quality_metrics_count_startup_stalls_play_and_errors_by_edge_and_region(
    world: World,
) -> None:
    viewer = world.caller()
    url = f"/api/v1/playback/sessions/{world.session_of(viewer, country='FR')}/events"
    before = _scrape(world)
    batch = [
        telemetry("startup", startup_ms=1500),
        telemetry("stall_end", duration_ms=2000),
        sample(played_ms=10_000, edge_host="unknown-edge.example"),
        telemetry("error", code="NETWORK"),
    ]
    assert viewer.call("POST", url, json={"events": batch}).status_code == 202
    after = _scrape(world)
    where = (("edge", "other"), ("region", "other"))

    def grew(name: str, labels: tuple[tuple[str, str], ...]) -> float:
        return after[(name, labels)] - before.get((name, labels), 0.0)

    assert grew("marquee_playback_startup_seconds_count", (("region", "other"),)) == 1
    assert grew("marquee_playback_startup_seconds_sum", (("region", "other"),)) == pytest.approx(
        1.5
    )
    assert grew("marquee_playback_stalled_seconds_total", where) == pytest.approx(2)
    assert grew("marquee_playback_played_seconds_total", where) == pytest.approx(10)
    assert grew("marquee_playback_errors_total", where) == 1
