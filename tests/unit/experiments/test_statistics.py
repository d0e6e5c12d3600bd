"""The statistics an analyst reads in an experiment's results, on data whose answer is known."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize

from marquee.experiments import statistics

BENCH = Path(__file__).resolve().parents[3] / "bench" / "experiments.py"


def test_welch_interval_covers_a_known_difference_and_excludes_zero() -> None:
    rng = np.random.default_rng(1)
    control = rng.normal(10.0, 2.0, 5000)
    treatment = rng.normal(10.5, 3.0, 5000)
    difference = statistics.welch(control, treatment)
    assert difference.low < 0.5 < difference.high
    assert difference.low > 0
    assert difference.p_value < 0.001


def test_cuped_keeps_the_difference_and_removes_the_explained_variance() -> None:
    rng = np.random.default_rng(2)
    before = rng.normal(5.0, 2.0, (2, 4000))
    after = before + rng.normal(0.0, 1.0, (2, 4000))
    after[1] += 0.3
    adjusted = statistics.cuped(after[0], after[1], before[0], before[1])
    assert adjusted.variance_reduction == pytest.approx(0.8, abs=0.03)
    plain = statistics.welch(after[0], after[1])
    reduced = statistics.welch(adjusted.control, adjusted.treatment)
    assert reduced.estimate == pytest.approx(0.3, abs=0.06)
    assert reduced.high - reduced.low < (plain.high - plain.low) / 2


def test_msprt_p_value_falls_with_evidence_and_never_rises_between_looks() -> None:
    assert statistics.msprt_p_value(0.0, 0.01, tau=0.1) == 1.0
    weak = statistics.msprt_p_value(0.1, 0.01, tau=0.1)
    strong = statistics.msprt_p_value(0.5, 0.01, tau=0.1)
    assert strong < 0.05 < weak
    assert statistics.always_valid([0.5, 0.04, 0.3]) == [0.5, 0.04, 0.04]


def test_one_look_has_the_fixed_sample_boundary() -> None:
    assert statistics.spending_boundaries([1.0]) == [pytest.approx(1.96, abs=0.001)]
    assert statistics.spending_boundaries([1.0], spending=statistics.pocock_spending) == [
        pytest.approx(1.96, abs=0.001)
    ]


FIVE_LOOKS = [0.2, 0.4, 0.6, 0.8, 1.0]


def _total_alpha(boundaries: list[float]) -> float:
    return sum(statistics.crossing_probabilities(boundaries, FIVE_LOOKS))


def test_the_integration_gives_the_published_pocock_and_obrien_fleming_constants() -> None:
    # Pocock (1977) and O'Brien and Fleming (1979), five looks, two-sided alpha 0.05.
    pocock = optimize.brentq(lambda c: _total_alpha([c] * 5) - 0.05, 1.5, 4.0)
    final = optimize.brentq(
        lambda c: _total_alpha([c * math.sqrt(5 / k) for k in range(1, 6)]) - 0.05, 1.5, 4.0
    )
    assert pocock == pytest.approx(2.413, abs=0.01)
    assert final == pytest.approx(2.040, abs=0.01)


def test_lan_demets_obrien_fleming_boundaries_of_five_looks() -> None:
    # The published boundaries of the O'Brien-Fleming-like spending function, alpha/2 a side.
    found = statistics.spending_boundaries(FIVE_LOOKS)
    assert found == pytest.approx([4.877, 3.357, 2.680, 2.290, 2.031], abs=0.01)
    assert _total_alpha(found) == pytest.approx(0.05, abs=1e-4)


def test_the_first_of_many_looks_has_a_finite_boundary() -> None:
    # The first of 14 daily looks may spend about 1e-16: the normal quantile of that share,
    # not the "never crossed" sentinel the integration would give so small a chance.
    first, second = statistics.spending_boundaries([1 / 14, 2 / 14])
    assert first == pytest.approx(8.30, abs=0.01)
    assert second == pytest.approx(5.82, abs=0.01)


def test_information_fractions_must_increase() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        statistics.spending_boundaries([0.5, 0.5, 1.0])


def _aa_z_paths(runs: int, looks: int, per_look: int) -> np.ndarray:
    """The z-statistics of A/A tests looked at after every ``per_look`` units per variant."""
    rng = np.random.default_rng(5)
    shape = (runs, looks * per_look)
    control, treatment = rng.exponential(1.0, shape), rng.exponential(1.0, shape)
    sizes = np.arange(1, looks + 1) * per_look
    ends = sizes - 1

    def mean_and_variance(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        total, squares = np.cumsum(values, axis=1), np.cumsum(values**2, axis=1)
        mean = total[:, ends] / sizes
        return mean, (squares[:, ends] / sizes - mean**2) / sizes

    (control_mean, control_var), (treatment_mean, treatment_var) = (
        mean_and_variance(control),
        mean_and_variance(treatment),
    )
    return np.asarray((treatment_mean - control_mean) / np.sqrt(control_var + treatment_var))


def test_daily_peeking_at_aa_tests_spends_alpha_without_inflating_it() -> None:
    looks = 14
    z = np.abs(_aa_z_paths(2000, looks, 60))
    boundaries = np.array(statistics.spending_boundaries([k / looks for k in range(1, looks + 1)]))
    sequential = float(np.mean((z >= boundaries).any(axis=1)))
    naive = float(np.mean((z >= 1.96).any(axis=1)))
    assert 0.03 <= sequential <= 0.07
    assert naive > 0.15


def test_the_repeated_p_value_is_below_alpha_exactly_past_the_boundary() -> None:
    fractions = [k / 14 for k in range(1, 8)]
    boundary = statistics.spending_boundaries(fractions)[-1]
    assert statistics.repeated_p_value(boundary + 0.02, fractions) < 0.05
    assert statistics.repeated_p_value(boundary - 0.02, fractions) > 0.05
    assert statistics.repeated_p_value(0.1, fractions) == 1.0


def test_a_look_reports_the_repeated_interval_and_falls_back_to_msprt_past_the_horizon() -> None:
    difference = statistics.Difference(0.1, 0.02, 0.18, 0.01, 0.0016)
    early = statistics.sequential_look(difference, look=3, planned_looks=14, tau=0.1)
    late = statistics.sequential_look(difference, look=14, planned_looks=14, tau=0.1)
    after = statistics.sequential_look(difference, look=15, planned_looks=14, tau=0.1)
    assert (early.method, late.method, after.method) == ("group-sequential",) * 2 + ("msprt",)
    assert early.low < late.low < 0.1 < late.high < early.high
    assert early.p_value > late.p_value
    assert after.boundary is None
    assert after.p_value == statistics.msprt_p_value(0.1, 0.0016, tau=0.1)
    assert after.low < 0.1 < after.high


def test_a_48_52_split_of_20000_units_is_a_sample_ratio_mismatch() -> None:
    assert statistics.sample_ratio_mismatch([9600, 10400], [50, 50])
    assert not statistics.sample_ratio_mismatch([9990, 10010], [50, 50])
    assert not statistics.sample_ratio_mismatch([2010, 7990], [20, 80])


def test_design_power_of_a_textbook_case() -> None:
    # 0.28 sd per 200 units and arm: about 80 % at alpha 0.05.
    power = statistics.design_power(effect=0.28, sd=1.0, units_per_variant=200)
    assert power == pytest.approx(0.80, abs=0.02)


def test_the_bench_prints_its_json_line_on_a_small_population() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--smoke", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    figures = json.loads(lines[0])
    assert set(figures) == {
        "aa_runs",
        "aa_false_positive_rate",
        "aa_daily_peeking_false_positive_rate",
        "power",
        "design_power",
        "cuped_variance_reduction",
        "srm_flagged",
    }
    assert figures["srm_flagged"] is True
    assert figures["aa_daily_peeking_false_positive_rate"] <= 0.1
    assert 0.3 < figures["cuped_variance_reduction"] < 0.6
