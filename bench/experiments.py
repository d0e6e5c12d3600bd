"""Experiments' statistics on simulated populations (issue 22): the false-positive rate of A/A
tests read once and read every day by the group-sequential rule, the power of that daily rule
to find a known lift against the power its design predicts, CUPED's variance reduction, and a
48/52 split flagged as a sample-ratio mismatch. The statistics are the domain's own
(``marquee.experiments.statistics``).

Population: each member's viewing hours in the experiment's period and in the period before
come from one taste (gamma) times independent log-normal noise, so the pre-period explains
part of the variance, as it does in real viewing. Units enter at uniformly random times over
``--days`` days, the planned horizon; a look at day ``d`` reads the units entered by then and
compares its z with the Lan-DeMets O'Brien-Fleming-like boundary of fraction ``d / days``.
Without ``--json`` it also prints the same rule read twice a day (boundaries for twice the
looks), the mSPRT read daily, the fixed-sample Welch p-value read daily, and the fixed-horizon
power.

    .venv/bin/python bench/experiments.py [--runs 2000] [--units 2000] [--days 14]
        [--seed 22] [--smoke] [--json]

``--json`` prints one line: aa_runs, aa_false_positive_rate,
aa_daily_peeking_false_positive_rate, power, design_power, cuped_variance_reduction,
srm_flagged. ``--smoke``: 60 runs of 400 units (seconds, for CI).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass

import numpy as np
from scipy import stats

from marquee.experiments import statistics

ALPHA = statistics.ALPHA
SRM_UNITS = 20_000
#: Simulated experiments per rule by default: a rate near 5% then has a standard error of
#: half a point (1.0 at 500 runs, where one seed read 7.2% for the fixed test), so the
#: daily-peeking rate is stable from seed to seed.
RUNS = 2000


@dataclass(frozen=True)
class Population:
    """A simulated experiment's two variants: period values, pre-period values, entry days."""

    control: np.ndarray
    treatment: np.ndarray
    control_before: np.ndarray
    treatment_before: np.ndarray
    control_entry: np.ndarray
    treatment_entry: np.ndarray


def simulate(rng: np.random.Generator, units: int, days: int, lift: float) -> Population:
    def members() -> tuple[np.ndarray, np.ndarray]:
        taste = rng.gamma(2.0, 1.0, units)
        return (
            taste * rng.lognormal(0.0, 0.4, units),
            taste * rng.lognormal(0.0, 0.4, units),
        )

    control, control_before = members()
    treatment, treatment_before = members()
    return Population(
        control,
        treatment + lift,
        control_before,
        treatment_before,
        rng.uniform(0, days, units),
        rng.uniform(0, days, units),
    )


def population_sd(rng: np.random.Generator) -> float:
    """The metric's standard deviation, from one large draw of the same population."""
    return float(np.std(simulate(rng, 200_000, 1, 0.0).control, ddof=1))


def seen_by(population: Population, time: float) -> tuple[np.ndarray, np.ndarray]:
    """Each variant's values of the units entered by ``time`` (in days)."""
    return (
        population.control[population.control_entry < time],
        population.treatment[population.treatment_entry < time],
    )


def crossed(population: Population, times: list[float], boundaries: list[float]) -> bool:
    """Whether some look's |z| reaches its group-sequential boundary."""
    for time, boundary in zip(times, boundaries, strict=True):
        look = statistics.welch(*seen_by(population, time))
        if abs(look.estimate) >= boundary * np.sqrt(look.variance):
            return True
    return False


def msprt_crossed(population: Population, days: int, tau: float) -> bool:
    """Whether the mSPRT's always-valid p-value falls below alpha on some day."""
    looks = (statistics.welch(*seen_by(population, day + 1)) for day in range(days))
    return any(statistics.msprt_p_value(d.estimate, d.variance, tau=tau) < ALPHA for d in looks)


@dataclass(frozen=True)
class Schedule:
    """Looks at ``times`` (days) with their boundaries, over ``days`` planned days."""

    times: list[float]
    boundaries: list[float]

    @classmethod
    def every(cls, step: float, days: int) -> Schedule:
        looks = round(days / step)
        fractions = [k / looks for k in range(1, looks + 1)]
        return cls([f * days for f in fractions], statistics.spending_boundaries(fractions))


def run(runs: int, units: int, days: int, seed: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    sd = population_sd(rng)
    daily = Schedule.every(1.0, days)
    aa = [simulate(rng, units, days, 0.0) for _ in range(runs)]
    lift = 2.8 * sd * np.sqrt(2.0 / units)
    detected = [
        crossed(simulate(rng, units, days, lift), daily.times, daily.boundaries)
        for _ in range(runs)
    ]
    fractions = [time / days for time in daily.times]
    example = simulate(rng, units, days, 0.0)
    adjusted = statistics.cuped(
        example.control, example.treatment, example.control_before, example.treatment_before
    )
    srm = statistics.sample_ratio_mismatch([int(SRM_UNITS * 0.48), int(SRM_UNITS * 0.52)], [50, 50])
    return {
        "aa_runs": runs,
        "aa_false_positive_rate": sum(
            statistics.welch(p.control, p.treatment).p_value < ALPHA for p in aa
        )
        / runs,
        "aa_daily_peeking_false_positive_rate": sum(
            crossed(p, daily.times, daily.boundaries) for p in aa
        )
        / runs,
        "power": sum(detected) / runs,
        "design_power": sum(
            statistics.crossing_probabilities(daily.boundaries, fractions, drift=2.8)
        ),
        "cuped_variance_reduction": adjusted.variance_reduction,
        "srm_flagged": srm,
    }


def other_rules(runs: int, units: int, days: int, seed: int) -> dict[str, float]:
    """The comparisons printed without ``--json``, on fresh populations: the group-sequential
    rule read twice a day, the mSPRT read daily, the fixed-sample Welch p-value read daily (the
    inflation sequential rules prevent), and the fixed-horizon test's power and design power."""
    rng = np.random.default_rng([seed, 1])
    sd = population_sd(rng)
    tau = statistics.mixture_tau(sd)
    twice = Schedule.every(0.5, days)
    fixed_z = float(stats.norm.isf(ALPHA / 2))
    naive = Schedule([day + 1.0 for day in range(days)], [fixed_z] * days)
    aa = [simulate(rng, units, days, 0.0) for _ in range(runs)]
    lift = 2.8 * sd * np.sqrt(2.0 / units)
    fixed = [simulate(rng, units, days, lift) for _ in range(runs)]
    return {
        "aa_twice_daily_peeking_false_positive_rate": sum(
            crossed(p, twice.times, twice.boundaries) for p in aa
        )
        / runs,
        "aa_msprt_daily_false_positive_rate": sum(msprt_crossed(p, days, tau) for p in aa) / runs,
        "naive_daily_peeking_false_positive_rate": sum(
            crossed(p, naive.times, naive.boundaries) for p in aa
        )
        / runs,
        "fixed_horizon_power": sum(
            statistics.welch(p.control, p.treatment).p_value < ALPHA for p in fixed
        )
        / runs,
        "fixed_horizon_design_power": statistics.design_power(
            effect=lift, sd=sd, units_per_variant=units
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=RUNS, help="simulated experiments per rule (A/A and lift)"
    )
    parser.add_argument("--units", type=int, default=2000, help="units per variant")
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs, units = (60, 400) if args.smoke else (args.runs, args.units)
    figures = run(runs, units, args.days, args.seed)
    if args.json:
        print(json.dumps(figures))
        return
    for name, value in figures.items():
        print(f"{name:44} {value:.4f}" if isinstance(value, float) else f"{name:44} {value}")
    for name, value in other_rules(runs, units, args.days, args.seed).items():
        print(f"{name:44} {value:.4f}")


if __name__ == "__main__":
    main()
