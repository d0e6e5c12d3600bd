"""The statistics an analyst reads in an experiment's results, on data whose answer is known."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

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
