"""The experiments API as an admin and a member use it: definitions and their bad input,
start and stop, assignments, exposures reaching the lake and the counts, and results."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from marquee.analytics import service as analytics
from marquee.analytics.query import run as run_query
from marquee.experiments import service
from marquee.experiments.models import Experiment
from tests.integration.analytics.conftest import World
from tests.integration.viewers import Viewer

URL = "/api/v1/experiments"


def definition(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": f"exp-{uuid.uuid4().hex[:8]}",
        "hypothesis": "Bigger artwork raises plays",
        "unit": "profile",
        "variants": [
            {"key": "control", "weight": 50, "parameters": {}},
            {"key": "big", "weight": 50, "parameters": {"card_size": "large"}},
        ],
        "metrics": {"primary": "plays_per_member", "secondary": ["viewing_hours_per_member"]},
    }
    return body | fields


@pytest.fixture
def admin(world: World) -> Viewer:
    return world.caller("admin")


def problem_of(answer: Any, status: int, slug: str) -> str:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == f"/problems/{slug}"
    return str(answer.json()["detail"])


def test_an_admin_defines_starts_and_stops_an_experiment(world: World, admin: Viewer) -> None:
    body = definition()
    created = admin.call("POST", URL, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "draft"
    assert admin.call("POST", f"{URL}/{body['key']}/start").json()["state"] == "running"
    listed = admin.call("GET", URL).json()
    assert body["key"] in [e["key"] for e in listed]
    stopped = admin.call("POST", f"{URL}/{body['key']}/stop").json()
    assert stopped["state"] == "stopped"
    assert admin.call("GET", f"{URL}/{body['key']}").json()["stopped_at"]


def test_a_viewer_may_not_define_experiments(world: World) -> None:
    viewer = world.caller()
    problem_of(viewer.call("POST", URL, json=definition()), 403, "role-required")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            {"variants": [{"key": "a", "weight": 50}, {"key": "b", "weight": 40}]},
            "add up to 90",
        ),
        ({"metrics": {"primary": "happiness"}}, "Unknown metric happiness"),
        (
            {"variants": [{"key": "a", "weight": 50}, {"key": "a", "weight": 50}]},
            "must differ",
        ),
    ],
)
def test_bad_definitions_are_refused_and_nothing_is_kept(
    admin: Viewer, change: dict[str, Any], words: str
) -> None:
    body = definition(**change)
    assert words in problem_of(admin.call("POST", URL, json=body), 422, "bad-experiment")
    problem_of(admin.call("GET", f"{URL}/{body['key']}"), 404, "experiment-not-found")


def test_experiments_of_a_layer_may_not_overlap(admin: Viewer) -> None:
    layer = f"home-{uuid.uuid4().hex[:6]}"
    first = admin.call("POST", URL, json=definition(layer=layer, rollout=60))
    assert first.json()["layer_offset"] == 0
    detail = problem_of(
        admin.call("POST", URL, json=definition(layer=layer, rollout=50)),
        409,
        "experiment-layer-overlap",
    )
    assert "would share units" in detail
    placed = admin.call("POST", URL, json=definition(layer=layer, rollout=40))
    assert placed.json()["layer_offset"] == 60
    problem_of(
        admin.call("POST", URL, json=definition(layer=layer, rollout=10, layer_offset=55)),
        409,
        "experiment-layer-overlap",
    )


def test_weights_are_fixed_once_running(admin: Viewer) -> None:
    body = definition()
    admin.call("POST", URL, json=body)
    even = {"variants": [{"key": "a", "weight": 30}, {"key": "b", "weight": 70}]}
    assert admin.call("PATCH", f"{URL}/{body['key']}", json=even).status_code == 200
    admin.call("POST", f"{URL}/{body['key']}/start")
    detail = problem_of(
        admin.call("PATCH", f"{URL}/{body['key']}", json=even), 409, "experiment-running"
    )
    assert "new version" in detail


def test_a_member_gets_the_same_variant_every_time_and_its_exposure_is_counted(
    world: World, admin: Viewer
) -> None:
    body = definition()
    admin.call("POST", URL, json=body)
    admin.call("POST", f"{URL}/{body['key']}/start")
    member = world.caller()
    asked = f"{URL}/assignments?profile_id={member.profile_id}"
    first = member.call("GET", asked).json()["assignments"]
    mine = [a for a in first if a["experiment"] == body["key"]]
    assert len(mine) == 1
    assert mine[0]["variant"] in {"control", "big"}
    assert member.call("GET", asked).json()["assignments"] == first
    problem_of(admin.call("GET", f"{URL}/{body['key']}/results"), 409, "no-exposures")

    exposed = member.call(
        "POST", f"{URL}/{body['key']}/exposures", json={"profile_id": member.profile_id}
    )
    assert exposed.status_code == 202, exposed.text
    assert exposed.json()["variant"] == mine[0]["variant"]
    world.relay()
    today = datetime.now(UTC).date()
    _, rows = run_query(
        world.platform.db,
        world.platform.storage,
        "SELECT reason, state FROM events WHERE kind = 'exposure' AND reason = $key",
        first=today - timedelta(days=1),
        last=today + timedelta(days=1),
        parameters={"key": body["key"]},
    )
    assert rows == [(body["key"], mine[0]["variant"])]
    results = admin.call("GET", f"{URL}/{body['key']}/results").json()
    units = {v["variant"]: (v["units"], v["exposures"]) for v in results["variants"]}
    assert units[mine[0]["variant"]] == (1, 1)

    admin.call("POST", f"{URL}/{body['key']}/stop")
    after = member.call("GET", asked).json()["assignments"]
    assert body["key"] not in [a["experiment"] for a in after]
    late = member.call(
        "POST", f"{URL}/{body['key']}/exposures", json={"profile_id": member.profile_id}
    )
    assert "stopped, not running" in problem_of(late, 409, "bad-experiment-state")
    unknown = member.call("POST", f"{URL}/nope/exposures", json={"profile_id": member.profile_id})
    problem_of(unknown, 404, "experiment-not-found")


def test_another_accounts_profile_is_not_found(world: World) -> None:
    member, other = world.caller(), world.caller()
    answer = member.call("GET", f"{URL}/assignments?profile_id={other.profile_id}")
    assert answer.status_code == 404


def _expose(world: World, key: str, wanted: dict[str, int], plays: dict[str, int]) -> None:
    """Expose ``wanted[variant]`` made-up members of each variant (the first that hash to it;
    results need only their ids), with ``plays[variant]`` plays today in the lake, one more
    for every other member."""
    platform, names = world.platform, analytics.pseudonyms(world.platform.settings)
    left, rows = dict(wanted), []
    with platform.db.transaction() as session:
        while any(left.values()):
            member = service.Member(
                account_id=uuid.uuid4().hex,
                profile_id=uuid.uuid4().hex,
                country="FR",
                plan=None,
                joined_at=datetime.now(UTC),
                device=None,
            )
            found = service.variant_for(platform, experiment_key=key, member=member)
            assert found is not None
            if not left[found.variant]:
                continue
            left[found.variant] -= 1
            service.record_exposure(session, platform, experiment_key=key, member=member)
            count = plays[found.variant] + left[found.variant] % 2
            rows += [_play(names.of(member.profile_id)) for _ in range(count)]
    world.relay()
    analytics.write_rows(platform, rows)


def _play(profile: str) -> dict[str, Any]:
    started = {"kind": "session_started", "at": datetime.now(UTC), "profile": profile}
    return started | {"id": uuid.uuid4().hex, "viewer": profile, "session_id": uuid.uuid4().hex}


def test_results_compare_variants_and_a_breached_guardrail_stops_the_experiment(
    world: World, admin: Viewer
) -> None:
    guard = {"metric": "plays_per_member", "higher_is_better": True, "tolerance": 0.0}
    body = definition(metrics={"primary": "plays_per_member", "guardrails": [guard]})
    admin.call("POST", URL, json=body)
    admin.call("POST", f"{URL}/{body['key']}/start")
    _expose(world, body["key"], {"control": 60, "big": 60}, {"control": 4, "big": 0})

    results = admin.call("GET", f"{URL}/{body['key']}/results").json()
    control, big = results["variants"]
    primary = big["metrics"][0]
    assert (control["units"], big["units"]) == (60, 60)
    assert primary["control_mean"] == pytest.approx(4.5)
    assert primary["mean"] == pytest.approx(0.5)
    assert primary["difference"]["high"] < 0
    assert primary["sequential_p_value"] < 0.05
    sequential = primary["sequential"]
    assert sequential | {"boundary": None} == sequential | {
        "method": "group-sequential",
        "look": 1,
        "planned_looks": 14,
        "boundary": None,
    }
    # The first of 14 daily looks spends almost nothing: its boundary is far above 1.96, and
    # its repeated interval wider than the fixed-sample one.
    assert sequential["boundary"] > 7
    assert (
        sequential["low"] < primary["cuped"]["low"] < primary["cuped"]["high"] < sequential["high"]
    )
    assert not results["sample_ratio_mismatch"]
    assert "plays_per_member" in results["guardrail_breaches"][0]

    with world.platform.db.transaction() as session:
        assert service.stop_breached(session, world.platform) == [body["key"]]
    stopped = admin.call("GET", f"{URL}/{body['key']}").json()
    assert stopped["state"] == "stopped"
    assert "Guardrail plays_per_member breached by big" in stopped["stop_reason"]


def test_past_its_planned_days_an_experiment_falls_back_to_the_msprt(
    world: World, admin: Viewer
) -> None:
    body = definition(days=1)
    assert admin.call("POST", URL, json=body).json()["days"] == 1
    admin.call("POST", f"{URL}/{body['key']}/start")
    with world.platform.db.transaction() as session:
        row = session.scalars(select(Experiment).where(Experiment.key == body["key"])).one()
        row.started_at = datetime.now(UTC) - timedelta(days=2)
    _expose(world, body["key"], {"control": 60, "big": 60}, {"control": 4, "big": 0})

    primary = admin.call("GET", f"{URL}/{body['key']}/results").json()["variants"][1]["metrics"][0]
    assert primary["sequential"]["method"] == "msprt"
    assert (primary["sequential"]["look"], primary["sequential"]["planned_looks"]) == (3, 1)
    assert primary["sequential"]["boundary"] is None
    assert primary["sequential"]["high"] < 0
    assert primary["sequential_p_value"] < 0.05


@pytest.mark.parametrize("days", [0, 91, "two weeks"])
def test_planned_days_out_of_range_are_refused(admin: Viewer, days: object) -> None:
    body = definition(days=days)
    answer = admin.call("POST", URL, json=body)
    assert answer.status_code == 422, answer.text
    assert "days" in answer.text
    assert admin.call("GET", f"{URL}/{body['key']}").status_code == 404


def test_a_lopsided_split_is_flagged_as_a_sample_ratio_mismatch(
    world: World, admin: Viewer
) -> None:
    body = definition()
    admin.call("POST", URL, json=body)
    admin.call("POST", f"{URL}/{body['key']}/start")
    _expose(world, body["key"], {"control": 150, "big": 50}, {"control": 1, "big": 2})
    results = admin.call("GET", f"{URL}/{body['key']}/results").json()
    assert results["sample_ratio_mismatch"] is True
    assert results["sample_ratio_p_value"] < 0.001


@pytest.mark.parametrize(
    "change",
    [
        {"variants": [{"key": "a", "weight": 100, "parameters": {"x": float("inf")}}]},
        {"metrics": {"guardrails": [{"metric": "active_days", "tolerance": float("nan")}]}},
    ],
)
def test_numbers_json_cannot_hold_are_refused(admin: Viewer, change: dict[str, Any]) -> None:
    body = json.dumps(definition(**change))
    answer = admin.call("POST", URL, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
