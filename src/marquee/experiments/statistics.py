"""The statistics behind an experiment's results: one piece of code that the results endpoint
and ``bench/experiments.py`` both call.

- **Welch's difference** of two means with its 95% interval (unequal variances), through
  statsmodels' ``CompareMeans``.
- **CUPED** (Deng, Xu, Kohavi and Walker, 2013): each unit's metric minus ``theta`` times its
  pre-period value's distance from the pooled pre-period mean, ``theta = cov(y, x) / var(x)``
  over both variants; the mean difference keeps its expectation and loses the variance the
  pre-period explains (``1 - corr(y, x)^2`` of it).
- **Always-valid p-values** by the mixture sequential probability ratio test (mSPRT; Johari,
  Koomen, Pekelis and Walsh, 2017): with the observed difference ``d``, its variance ``V`` and
  a normal mixture of effects ``N(0, tau^2)``, the likelihood ratio is
  ``sqrt(V / (V + tau^2)) * exp(tau^2 d^2 / (2 V (V + tau^2)))``; the p-value is ``1 / ratio``
  (at most 1), never rising from one look to the next. Under no effect the chance that it ever
  falls below ``alpha`` is at most ``alpha``, however often it is looked at.
- **Sample-ratio mismatch**: a chi-square goodness-of-fit test (scipy) of the units per
  variant against the weights; below ``SRM_ALPHA`` the split is not the one designed, and the
  results are not to be trusted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from statsmodels.stats.power import TTestIndPower
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

ALPHA = 0.05
SRM_ALPHA = 0.001
Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Difference:
    """Treatment minus control: the estimate, its interval and its fixed-horizon p-value."""

    estimate: float
    low: float
    high: float
    p_value: float
    variance: float


def welch(control: ArrayLike, treatment: ArrayLike, *, alpha: float = ALPHA) -> Difference:
    """The difference of the means (treatment - control), Welch's interval and t-test."""
    control_values, treatment_values = _floats(control), _floats(treatment)
    compare = CompareMeans(DescrStatsW(treatment_values), DescrStatsW(control_values))
    low, high = compare.tconfint_diff(alpha=alpha, usevar="unequal")
    _t, p_value, _df = compare.ttest_ind(usevar="unequal")
    estimate = float(treatment_values.mean() - control_values.mean())
    return Difference(estimate, float(low), float(high), float(p_value), _variance(compare))


def _variance(compare: CompareMeans) -> float:
    return float(compare.std_meandiff_separatevar**2)


def _floats(values: ArrayLike) -> Floats:
    return np.asarray(values, dtype=np.float64)


@dataclass(frozen=True)
class Cuped:
    """Metric values adjusted by their pre-period, and the share of variance that removed."""

    control: Floats
    treatment: Floats
    theta: float
    variance_reduction: float


def cuped(
    control: ArrayLike,
    treatment: ArrayLike,
    control_before: ArrayLike,
    treatment_before: ArrayLike,
) -> Cuped:
    """Adjust both variants by the pre-period value of the same metric (one ``theta`` pooled
    over both, so the adjustment is the same function of the pre-period in each)."""
    y = np.concatenate([_floats(control), _floats(treatment)])
    x = np.concatenate([_floats(control_before), _floats(treatment_before)])
    spread = float(np.var(x, ddof=1)) if x.size > 1 else 0.0
    theta = float(np.cov(y, x, ddof=1)[0, 1] / spread) if spread > 0 else 0.0
    adjusted = y - theta * (x - x.mean())
    before = float(np.var(y, ddof=1)) if y.size > 1 else 0.0
    reduction = 1.0 - float(np.var(adjusted, ddof=1)) / before if before > 0 else 0.0
    split = len(_floats(control))
    return Cuped(adjusted[:split], adjusted[split:], theta, reduction)


def msprt_p_value(difference: float, variance: float, *, tau: float) -> float:
    """The mSPRT p-value of one look (``1 / likelihood ratio``, at most 1): ``difference`` is
    the observed difference of means, ``variance`` its variance, ``tau`` the spread of the
    mixture of effects (about the size of the effects worth finding)."""
    if variance <= 0 or tau <= 0:
        return 1.0
    spread = variance + tau**2
    log_ratio = 0.5 * math.log(variance / spread) + tau**2 * difference**2 / (2 * variance * spread)
    return float(min(1.0, math.exp(-log_ratio)))


def always_valid(p_values: Sequence[float]) -> list[float]:
    """The running minimum of the looks' mSPRT p-values: what each look may report."""
    return [float(p) for p in np.minimum.accumulate(np.asarray(p_values, dtype=np.float64))]


def sample_ratio_p_value(units: Sequence[int], weights: Sequence[float]) -> float:
    """Chi-square goodness of fit of the units per variant to the designed weights."""
    total = sum(units)
    if total == 0 or len(units) < 2:
        return 1.0
    expected = [total * w / sum(weights) for w in weights]
    return float(stats.chisquare(list(units), f_exp=expected).pvalue)


def sample_ratio_mismatch(units: Sequence[int], weights: Sequence[float]) -> bool:
    return sample_ratio_p_value(units, weights) < SRM_ALPHA


def design_power(
    *, effect: float, sd: float, units_per_variant: int, alpha: float = ALPHA
) -> float:
    """The power of a two-sided two-sample t-test to find ``effect`` (in the metric's units)
    with this many units in each of two variants."""
    if sd <= 0:
        return 1.0
    power = TTestIndPower().power(
        effect_size=effect / sd, nobs1=units_per_variant, alpha=alpha, ratio=1.0
    )
    return float(power)


TAU_PER_SD = 0.1


def mixture_tau(sd: float) -> float:
    """The mSPRT mixture's spread: a tenth of the metric's standard deviation, the size of the
    effects an experiment of a few thousand units per variant is designed to find (a
    mixture far wider or narrower than the effects sought needs more units to conclude)."""
    return TAU_PER_SD * sd
