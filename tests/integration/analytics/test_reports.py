"""GET /api/v1/analytics/reports/{name}: the figures of a known day of events, as JSON and CSV,
for admins and analysts only; from > to, an unknown group or report answer a clear problem."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from marquee.analytics import lake, rollup, upkeep
from marquee.analytics.events import TELEMETRY_RECEIVED
from marquee.analytics.subscribers import lake_writer
from marquee.catalog.events import TITLE_PUBLISHED
from marquee.cli.analytics import app as analytics_command
from marquee.kit.events import Event
from marquee.media.events import ASSET_READY
from marquee.playback.events import HEARTBEAT, SESSION_ENDED, SESSION_STARTED
from tests.integration.analytics.conftest import Viewer, World

DAY = datetime(2026, 10, 7, 9, tzinfo=UTC)
URL = "/api/v1/analytics/reports/{}?from=2026-10-07&to=2026-10-07"
T1, T2, T3 = (f"title-{uuid.uuid4().hex[:8]}" for _ in range(3))


def _event(kind: str, payload: dict[str, Any], at: datetime = DAY) -> Event:
    return Event(kind, payload, id=uuid.uuid4().hex, occurred_at=at.isoformat())


def _facts(session_id: str, viewer: str, title: str, country: str, device: str) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "account_id": viewer,
        "profile_id": f"{viewer}-p",
        "title_id": title,
        "episode_id": None,
        "territory": country,
        "at": DAY.isoformat(),
        "asset_id": f"{title}-asset",
        "device": device,
    }


def _telemetry(facts: dict[str, Any], *events: dict[str, Any]) -> Event:
    numbered = [
        {"id": uuid.uuid4().hex, "at": (DAY + timedelta(seconds=i)).isoformat(), **event}
        for i, event in enumerate(events)
    ]
    session = {**facts, "duration_s": 600.0}
    return _event(TELEMETRY_RECEIVED.name, {"session": session, "events": numbered})


def _sample(height: int, kbps: int) -> dict[str, Any]:
    return {
        "kind": "sample",
        "buffer_s": 10,
        "throughput_kbps": 5000,
        "dropped_frames": 0,
        "edge_host": "edge-a",
        "height": height,
        "bitrate_kbps": kbps,
        "played_ms": 10_000,
    }


def _day_of_events() -> list[Event]:
    """Three titles (the third never played); t1 played twice (one viewer to the end, one
    stalling, erring at 360p), t2 once with heartbeats only."""
    s1 = _facts(uuid.uuid4().hex, "alice", T1, "FR", "TV")
    s2 = _facts(uuid.uuid4().hex, "bob", T1, "US", "Phone")
    s3 = _facts(uuid.uuid4().hex, "alice", T2, "FR", "TV")
    rendition = {"name": None, "width": None}
    asset = {
        "asset_id": f"{T1}-asset",
        "title_id": T1,
        "episode_id": None,
        "title_hint": None,
        "publish_requested": False,
        "duration_s": 600.0,
        "renditions": [
            {**rendition, "height": 360, "bitrate_kbps": 800, "vmaf": 80.0},
            {**rendition, "height": 720, "bitrate_kbps": 2500, "vmaf": 93.0},
        ],
        "audio_languages": [],
        "subtitle_languages": [],
        "dash": None,
        "hls": None,
        "poster_key": None,
        "trickplay_key": None,
        "key_ids": [],
    }
    beat = {"state": "playing", "bitrate_kbps": 0, "buffer_s": 0, "stalls": 0, "dropped_frames": 0}
    return [
        *(_event(TITLE_PUBLISHED.name, {"title_id": t}) for t in (T1, T2, T3)),
        _event(ASSET_READY.name, asset, at=DAY - timedelta(days=40)),  # long before the plays
        *(_event(SESSION_STARTED.name, s) for s in (s1, s2, s3)),
        _telemetry(
            s1,
            {"kind": "startup", "startup_ms": 1000},
            *(_sample(720, 2500) for _ in range(3)),
            {"kind": "stall_start"},
            {"kind": "stall_end", "duration_ms": 3000},
        ),
        _telemetry(
            s2,
            {"kind": "startup", "startup_ms": 3000},
            _sample(360, 800),
            {"kind": "error", "code": "DECODE"},
        ),
        _event(SESSION_ENDED.name, {**s1, "position_s": 590.0, "reason": "stopped"}),
        _event(SESSION_ENDED.name, {**s2, "position_s": 60.0, "reason": "stopped"}),
        *(_event(HEARTBEAT.name, {**s3, "position_s": p, **beat}) for p in (10.0, 20.0)),
    ]


@pytest.fixture
def analyst(world: World) -> Viewer:
    lake_writer(world.platform)(_day_of_events())
    return world.caller("analyst")


def _rows(caller: Viewer, name: str, query: str = "") -> list[dict[str, Any]]:
    answer = caller.call("GET", URL.format(name) + query)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["report"] == name
    assert body["from"] == body["to"] == "2026-10-07"
    return [row for row in body["rows"] if row.get("title_id", T1) in (T1, T2, T3)]


def test_viewing_by_title(analyst: Viewer) -> None:
    rows = {row["title_id"]: row for row in _rows(analyst, "viewing", "&group_by=title")}
    assert rows[T1] == {
        "title_id": T1,
        "plays": 2,
        "unique_viewers": 2,
        "viewing_hours": round(40 / 3600, 4),
        "completion_rate": 0.5,
    }
    assert rows[T2]["plays"] == 1
    assert rows[T2]["viewing_hours"] == round(20 / 3600, 4), "two playing heartbeats, 10 s each"


def test_quality_by_title(analyst: Viewer) -> None:
    row = next(r for r in _rows(analyst, "quality", "&group_by=title") if r["title_id"] == T1)
    assert row["startup_p50_ms"] == pytest.approx(2000)
    assert row["startup_p95_ms"] == pytest.approx(2900)
    assert row["rebuffer_ratio"] == pytest.approx(3000 / 43000, abs=1e-6)
    assert row["stalls_per_hour"] == pytest.approx(90)
    assert row["bitrate_kbps"] == pytest.approx(2075)
    assert row["vmaf"] == pytest.approx(89.75)
    assert row["error_rate"] == pytest.approx(0.5)


def test_quality_by_edge_and_country_filter(analyst: Viewer) -> None:
    rows = _rows(analyst, "quality", f"&group_by=edge&country=US&title_id={T1}")
    assert [row["edge"] for row in rows] == ["edge-a"]
    assert rows[0]["startup_p50_ms"] == pytest.approx(3000)


def test_retention_curve_of_a_title(analyst: Viewer) -> None:
    rows = _rows(analyst, "retention", f"&title_id={T1}")
    share = {row["position_pct"]: row["share"] for row in rows}
    assert len(share) == 21
    assert share[0] == share[10] == 1.0
    assert share[15] == share[95] == 0.5
    assert share[100] == 0.0


def test_content_counts_titles_never_played(analyst: Viewer) -> None:
    rows = _rows(analyst, "content", "&group_by=title")
    plays = {row["title_id"]: row["plays"] for row in rows}
    assert plays == {T1: 2, T2: 1, T3: 0}
    assert next(r for r in rows if r["title_id"] == T3)["titles_never_played"] == 1


def test_csv_on_accept_text_csv(analyst: Viewer) -> None:
    answer = analyst.call(
        "GET", URL.format("viewing") + "&group_by=title", headers={"Accept": "text/csv"}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert next(r for r in rows if r["title_id"] == T1)["plays"] == "2"


def test_bad_queries_answer_clear_problems(analyst: Viewer) -> None:
    backwards = analyst.call(
        "GET", "/api/v1/analytics/reports/viewing?from=2026-10-08&to=2026-10-07"
    )
    assert backwards.status_code == 400
    assert "after" in backwards.json()["detail"]
    unknown_group = analyst.call("GET", URL.format("viewing") + "&group_by=planet")
    assert unknown_group.status_code == 400
    assert "planet" in unknown_group.json()["detail"]
    unknown_report = analyst.call("GET", URL.format("gossip"))
    assert unknown_report.status_code == 404
    assert unknown_report.json()["type"] == "/problems/unknown-report"
    no_dates = analyst.call("GET", "/api/v1/analytics/reports/viewing")
    assert no_dates.status_code == 422
    last_day = analyst.call(
        "GET", "/api/v1/analytics/reports/viewing?from=9999-12-31&to=9999-12-31"
    )
    assert last_day.status_code == 400


def test_viewers_and_editors_may_not_read_reports(world: World, analyst: Viewer) -> None:
    for role in ("viewer", "editor"):
        answer = world.caller(role).call("GET", URL.format("viewing"))
        assert answer.status_code == 403
    assert world.caller("admin").call("GET", URL.format("viewing")).status_code == 200


def _cli(world: World, *args: str) -> Any:
    settings = world.platform.settings
    env = {
        "MARQUEE_DATA_DIR": str(settings.data_dir),
        "MARQUEE_DATABASE_URL": settings.resolved_database_url,
        "MARQUEE_ENV": "test",
        "MARQUEE_LOG_JSON": "false",
    }
    return CliRunner().invoke(analytics_command, ["report", *args], env=env)


def test_the_command_prints_the_same_report_as_json_and_csv(world: World, analyst: Viewer) -> None:
    days = ["--from", "2026-10-07", "--to", "2026-10-07", "--group-by", "title"]
    as_json = _cli(world, "viewing", *days)
    assert as_json.exit_code == 0, as_json.output
    rows = {row["title_id"]: row for row in json.loads(as_json.stdout)["rows"]}
    assert rows[T1]["plays"] == 2
    as_csv = _cli(world, "viewing", *days, "--format", "csv")
    assert as_csv.exit_code == 0, as_csv.output
    assert (
        next(r for r in csv.DictReader(io.StringIO(as_csv.stdout)) if r["title_id"] == T1)[
            "unique_viewers"
        ]
        == "2"
    )


def test_the_command_refuses_from_after_to(world: World) -> None:
    backwards = _cli(world, "viewing", "--from", "2026-10-08", "--to", "2026-10-07")
    assert backwards.exit_code == 2
    assert "after" in backwards.output


def test_compacted_days_answer_the_same_from_their_sessions_file(
    world: World, analyst: Viewer
) -> None:
    queries = [
        ("viewing", "&group_by=title"),
        ("quality", "&group_by=title,edge"),
        ("retention", f"&title_id={T1}"),
    ]
    before = [_rows(analyst, name, query) for name, query in queries]
    platform = world.platform
    lake_writer(platform)(
        [_event(SESSION_STARTED.name, _facts(uuid.uuid4().hex, "carol", T2, "JP", "TV"))]
    )
    assert upkeep.compact(platform.db, platform.storage, min_files=2) >= 1
    with platform.db.sessions() as session:
        summaries = lake.live_files(
            session, first_day="2026-10-07", last_day="2026-10-07", prefix=rollup.PREFIX
        )
    assert len(summaries) == 1
    after = [_rows(analyst, name, query) for name, query in queries]
    t2 = next(row for row in after[0] if row["title_id"] == T2)
    assert t2["plays"] == 2, "the late play is in"
    t2["plays"], t2["unique_viewers"] = 1, 1
    assert [sorted(rows, key=str) for rows in after] == [sorted(rows, key=str) for rows in before]
