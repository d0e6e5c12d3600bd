"""Experiments' statistics on simulated populations (issue 22): the false-positive rate of A/A
tests read once and read every day, the power to find a known lift against the power the
design predicts, CUPED's variance reduction, and a 48/52 split flagged as a sample-ratio
mismatch. The statistics are the domain's own (``marquee.experiments.statistics``).

Population: each member's viewing hours in the experiment's period and in the period before
come from one taste (gamma) times independent log-normal noise, so the pre-period explains
part of the variance, as it does in real viewing. Units enter evenly over ``--days`` days; a
daily look reads the units entered so far.

    .venv/bin/python bench/experiments.py [--runs 500] [--units 2000] [--days 14]
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

from marquee.experiments import statistics

ALPHA = statistics.ALPHA
SRM_UNITS = 20_000


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
        rng.integers(0, days, units),
        rng.integers(0, days, units),
    )


def population_sd(rng: np.random.Generator) -> float:
    """The metric's standard deviation, from one large draw of the same population."""
    return float(np.std(simulate(rng, 200_000, 1, 0.0).control, ddof=1))


def seen_by(population: Population, day: int) -> tuple[np.ndarray, np.ndarray]:
    """Each variant's values of the units entered by ``day``."""
    return (
        population.control[population.control_entry <= day],
        population.treatment[population.treatment_entry <= day],
    )


def daily_looks(population: Population, days: int, tau: float) -> tuple[bool, bool, float]:
    """Read the experiment every day: (fixed-horizon Welch significant at the end, the
    always-valid p-value below alpha on some day, the final Welch p-value)."""
    mixture: list[float] = []
    difference = statistics.welch(population.control, population.treatment)
    for day in range(days):
        look = statistics.welch(*seen_by(population, day))
        mixture.append(statistics.msprt_p_value(look.estimate, look.variance, tau=tau))
    peeked = min(statistics.always_valid(mixture)) < ALPHA
    return difference.p_value < ALPHA, peeked, difference.p_value


def run(runs: int, units: int, days: int, seed: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    sd = population_sd(rng)
    tau = statistics.mixture_tau(sd)
    aa = [daily_looks(simulate(rng, units, days, 0.0), days, tau) for _ in range(runs)]
    lift = 2.8 * sd * np.sqrt(2.0 / units)
    detected = [
        statistics.welch(p.control, p.treatment).p_value < ALPHA
        for p in (simulate(rng, units, days, lift) for _ in range(runs))
    ]
    example = simulate(rng, units, days, 0.0)
    adjusted = statistics.cuped(
        example.control, example.treatment, example.control_before, example.treatment_before
    )
    srm = statistics.sample_ratio_mismatch([int(SRM_UNITS * 0.48), int(SRM_UNITS * 0.52)], [50, 50])
    return {
        "aa_runs": runs,
        "aa_false_positive_rate": sum(fixed for fixed, _, _ in aa) / runs,
        "aa_daily_peeking_false_positive_rate": sum(peeked for _, peeked, _ in aa) / runs,
        "power": sum(detected) / runs,
        "design_power": statistics.design_power(effect=lift, sd=sd, units_per_variant=units),
        "cuped_variance_reduction": adjusted.variance_reduction,
        "srm_flagged": srm,
    }


def naive_peeking_rate(runs: int, units: int, days: int, seed: int) -> float:
    """What reading the fixed-horizon Welch p-value every day would give: the inflation the
    always-valid p-values prevent."""
    rng = np.random.default_rng(seed + 1)
    flagged = 0
    for _ in range(runs):
        population = simulate(rng, units, days, 0.0)
        flagged += any(
            statistics.welch(*seen_by(population, day)).p_value < ALPHA for day in range(days)
        )
    return flagged / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
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
        print(f"{name:40} {value:.4f}" if isinstance(value, float) else f"{name:40} {value}")
    naive = naive_peeking_rate(runs, units, args.days, args.seed)
    print(f"{'naive_daily_peeking_false_positive_rate':40} {naive:.4f}  (Welch p read daily)")


if __name__ == "__main__":
    main()
