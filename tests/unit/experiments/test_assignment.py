"""Assignment by hashing: the same answer every time, variants in their weights, experiments of
one layer never sharing a unit, and the audience filters."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from marquee.experiments.assignment import (
    Member,
    Running,
    assignments,
    free_offset,
    variant_of,
)
from marquee.experiments.schemas import Audience, Variant

START = datetime(2026, 12, 1, tzinfo=UTC)
UNITS = [f"unit-{i}" for i in range(20_000)]


def experiment(
    key: str,
    *,
    layer: str | None = None,
    offset: int = 0,
    rollout: int = 100,
    weights: tuple[int, ...] = (50, 50),
    audience: Audience | None = None,
) -> Running:
    variants = tuple(
        Variant(key=f"v{i}", weight=w, parameters={"n": i}) for i, w in enumerate(weights)
    )
    return Running(
        id=key,
        key=key,
        unit="profile",
        salt=f"salt-{key}",
        layer=layer,
        layer_offset=offset,
        rollout=rollout,
        variants=variants,
        audience=audience or Audience(),
        started_at=START,
    )


def member(profile_id: str = "p1", **fields: object) -> Member:
    values: dict[str, object] = {
        "account_id": "a1",
        "profile_id": profile_id,
        "country": "FR",
        "plan": "basic",
        "joined_at": START - timedelta(days=30),
        "device": "tv",
    }
    return Member(**(values | fields))  # type: ignore[arg-type]


def test_the_same_unit_gets_the_same_variant_from_a_fresh_definition() -> None:
    first = [variant_of(experiment("home"), unit) for unit in UNITS[:500]]
    again = [variant_of(experiment("home"), unit) for unit in UNITS[:500]]
    assert first == again


def test_variants_take_their_weights_of_the_units() -> None:
    counts = Counter(
        v.key for unit in UNITS if (v := variant_of(experiment("w", weights=(20, 80)), unit))
    )
    assert abs(counts["v0"] / len(UNITS) - 0.2) < 0.015
    assert sum(counts.values()) == len(UNITS)


def test_experiments_of_one_layer_never_share_a_unit_and_cover_their_rollouts() -> None:
    left = experiment("left", layer="home", offset=0, rollout=30)
    right = experiment("right", layer="home", offset=30, rollout=70)
    inside = [(variant_of(left, u), variant_of(right, u)) for u in UNITS]
    assert not any(a and b for a, b in inside)
    assert all(a or b for a, b in inside)
    assert abs(sum(1 for a, _ in inside if a) / len(UNITS) - 0.3) < 0.015


def test_a_flag_rolled_out_to_ten_percent_reaches_about_ten_percent() -> None:
    flag = experiment("flag", rollout=10, weights=(100,))
    enrolled = sum(1 for u in UNITS if variant_of(flag, u))
    assert abs(enrolled / len(UNITS) - 0.1) < 0.01


def test_the_audience_filters_leave_out_who_does_not_fit() -> None:
    only_us = experiment("us", weights=(100,), audience=Audience(countries=["US"]))
    new = experiment("new", weights=(100,), audience=Audience(members="new"))
    tv = experiment("tv", weights=(100,), audience=Audience(devices=["tv"], plans=["basic"]))
    found = assignments([only_us, new, tv], member())
    assert [a.experiment for a in found] == ["tv"]
    assert found[0].parameters == {"n": 0}
    joined_later = member(joined_at=START + timedelta(days=1), country="US", device="phone")
    assert [a.experiment for a in assignments([only_us, new, tv], joined_later)] == ["us", "new"]


def test_free_offset_finds_the_gap_or_none() -> None:
    assert free_offset([(0, 30), (50, 50)], 20) == 30
    assert free_offset([(0, 30), (50, 50)], 21) is None
