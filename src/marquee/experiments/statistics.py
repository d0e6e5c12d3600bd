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
- **Group-sequential boundaries** (Lan and DeMets, 1983) for looks planned over a horizon: an
  alpha-spending function says how much of ``alpha`` may be spent by each information fraction,
  and each look's two-sided z boundary is solved so that the chance, under no effect, of first
  crossing at that look equals its share. That chance is computed exactly by integrating the
  joint distribution of the looks' z-statistics one look at a time (Armitage, McPherson and
  Rowe, 1969): the score ``z * sqrt(t)`` has independent normal increments, so the density of
  not having stopped is carried from look to look by a convolution on a grid (Simpson's rule).
  A look reports the repeated p-value (the smallest ``alpha`` whose boundary it crosses) and the
  repeated confidence interval (the estimate plus or minus the boundary times its standard
  error), both valid however many of the planned looks are read.
- **Sample-ratio mismatch**: a chi-square goodness-of-fit test (scipy) of the units per
  variant against the weights; below ``SRM_ALPHA`` the split is not the one designed, and the
  results are not to be trusted.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats
from scipy.special import ndtr, ndtri
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


SpendingFunction = Callable[[float, float], float]


def obrien_fleming_spending(fraction: float, alpha: float) -> float:
    """Lan-DeMets' O'Brien-Fleming-like spending, ``alpha / 2`` on each side:
    ``2 (2 - 2 Phi(z_(1-alpha/4) / sqrt(t)))``. Almost nothing is spent early, so the last
    look's boundary stays near the fixed-sample one and the power nearly that of one look at
    the end."""
    if fraction <= 0:
        return 0.0
    critical = ndtri(1 - alpha / 4)
    return float(4 * ndtr(-critical / math.sqrt(min(fraction, 1.0))))


def pocock_spending(fraction: float, alpha: float) -> float:
    """Lan-DeMets' Pocock-like spending: ``alpha * ln(1 + (e - 1) t)``, nearly even boundaries
    (stops large effects early, at the price of power at the end)."""
    return float(alpha * math.log(1 + (math.e - 1) * min(max(fraction, 0.0), 1.0)))


SPENDING: dict[str, SpendingFunction] = {
    "obrien-fleming": obrien_fleming_spending,
    "pocock": pocock_spending,
}
#: Points of the grid the not-yet-stopped density is carried on (odd, for Simpson's rule).
GRID_POINTS = 201


@dataclass(frozen=True)
class _Continuation:
    """The sub-density of the score ``z * sqrt(t)`` over the paths that have not crossed yet."""

    scores: Floats
    density: Floats
    fraction: float

    def crossing(self, boundary: float, fraction: float, drift: float) -> float:
        """The chance of crossing ``+-boundary`` (a z value) at a look at ``fraction``."""
        step = math.sqrt(fraction - self.fraction)
        mean = self.scores + drift * (fraction - self.fraction)
        edge = boundary * math.sqrt(fraction)
        outside = ndtr((mean - edge) / step) + ndtr((-edge - mean) / step)
        return float(np.sum(self.density * outside))

    def advance(self, boundary: float, fraction: float, drift: float) -> _Continuation:
        """The density at the next look, over the paths that stay inside its boundary."""
        step = math.sqrt(fraction - self.fraction)
        edge = boundary * math.sqrt(fraction)
        scores = np.linspace(-edge, edge, GRID_POINTS)
        mean = self.scores + drift * (fraction - self.fraction)
        kernel = np.exp(-0.5 * ((scores[:, None] - mean[None, :]) / step) ** 2)
        kernel /= step * math.sqrt(2 * math.pi)
        return _Continuation(scores, _simpson(scores) * (kernel @ self.density), fraction)


def _simpson(points: Floats) -> Floats:
    """Simpson's weights on an evenly spaced grid of an odd number of points."""
    weights = np.ones(points.size)
    weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
    step = float(points[1] - points[0])
    return np.asarray(weights * step / 3.0, dtype=np.float64)


def _start() -> _Continuation:
    """Before the first look: all the probability at score 0 (one point of weight 1)."""
    return _Continuation(np.zeros(1), np.ones(1), 0.0)


def _fractions(fractions: Sequence[float]) -> list[float]:
    found = [float(f) for f in fractions]
    if not found or found[0] <= 0 or any(b <= a for a, b in itertools.pairwise(found)):
        raise ValueError("Information fractions must be positive and strictly increasing.")
    return found


def crossing_probabilities(
    boundaries: Sequence[float], fractions: Sequence[float], *, drift: float = 0.0
) -> list[float]:
    """The chance of first crossing each look's two-sided boundary (z values) at the given
    information fractions; ``drift`` is the expected z at fraction 1 (0: no effect)."""
    state, found = _start(), []
    for boundary, fraction in zip(boundaries, _fractions(fractions), strict=True):
        found.append(state.crossing(boundary, fraction, drift))
        state = state.advance(boundary, fraction, drift)
    return found


def spending_boundaries(
    fractions: Sequence[float],
    *,
    alpha: float = ALPHA,
    spending: SpendingFunction = obrien_fleming_spending,
) -> list[float]:
    """Each look's two-sided z boundary: the first crossing at a look has, under no effect,
    the chance the spending function allots between the previous fraction and this one."""
    state, spent = _start(), 0.0
    found: list[float] = []
    for fraction in _fractions(fractions):
        share = spending(fraction, alpha) - spent
        spent += share
        boundary = _first_boundary(share) if not found else _boundary_for(state, share, fraction)
        found.append(boundary)
        state = state.advance(boundary, fraction, 0.0)
    return found


#: A look with nothing (numerically) left to spend gets this boundary: never crossed.
NEVER = 40.0


def _first_boundary(share: float) -> float:
    """The first look's boundary in closed form: its z is standard normal, so the two-sided
    crossing chance is ``share`` at ``-ndtri(share / 2)``, exact even where ``share`` is far
    below what the integration resolves (about 1e-16 at the first of 14 O'Brien-Fleming-like
    looks, whose boundary is 8.30)."""
    return float(-ndtri(share / 2)) if share > 0 else NEVER


def _boundary_for(state: _Continuation, share: float, fraction: float) -> float:
    if share <= 1e-15 or state.crossing(NEVER, fraction, 0.0) >= share:
        return NEVER
    return float(
        optimize.brentq(lambda b: state.crossing(b, fraction, 0.0) - share, 1e-6, NEVER, xtol=1e-7)
    )


def repeated_p_value(
    z: float, fractions: Sequence[float], *, spending: SpendingFunction = obrien_fleming_spending
) -> float:
    """The smallest ``alpha`` whose boundary at the last of ``fractions`` this ``z`` reaches
    (1 when none up to 0.5 does): below ``alpha`` at some look with chance at most ``alpha``."""
    largest = 0.5

    def gap(log_alpha: float) -> float:
        alpha = math.exp(log_alpha)
        return spending_boundaries(fractions, alpha=alpha, spending=spending)[-1] - abs(z)

    if gap(math.log(largest)) > 0:
        return 1.0
    if gap(math.log(1e-12)) <= 0:
        return 1e-12
    return float(math.exp(optimize.brentq(gap, math.log(1e-12), math.log(largest), xtol=1e-4)))


@dataclass(frozen=True)
class SequentialLook:
    """What one look of a sequential design allows: ``method`` is ``group-sequential`` within
    the planned looks and ``msprt`` past them; ``low``/``high`` the repeated (or, past the
    horizon, always-valid) confidence interval; ``boundary`` the z to reach (group-sequential)."""

    method: Literal["group-sequential", "msprt"]
    look: int
    planned_looks: int
    p_value: float
    low: float
    high: float
    boundary: float | None


def sequential_look(
    difference: Difference,
    *,
    look: int,
    planned_looks: int,
    tau: float,
    alpha: float = ALPHA,
) -> SequentialLook:
    """Look ``look`` (1, 2, ...) of ``planned_looks`` evenly spread ones: the spending
    function's boundary, repeated p-value and repeated interval; past the planned looks,
    the mSPRT's always-valid p-value and interval instead (valid however long it goes on)."""
    if look > planned_looks:
        radius = msprt_radius(difference.variance, tau=tau, alpha=alpha)
        p_value = msprt_p_value(difference.estimate, difference.variance, tau=tau)
        return SequentialLook(
            "msprt",
            look,
            planned_looks,
            p_value,
            difference.estimate - radius,
            difference.estimate + radius,
            None,
        )
    fractions = [k / planned_looks for k in range(1, look + 1)]
    error = math.sqrt(max(difference.variance, 0.0))
    boundary = spending_boundaries(fractions, alpha=alpha)[-1]
    z = difference.estimate / error if error > 0 else 0.0
    return SequentialLook(
        "group-sequential",
        look,
        planned_looks,
        repeated_p_value(z, fractions),
        difference.estimate - boundary * error,
        difference.estimate + boundary * error,
        boundary,
    )


def msprt_radius(variance: float, *, tau: float, alpha: float = ALPHA) -> float:
    """Half the width of the mSPRT's always-valid interval: the effects whose mSPRT p-value
    stays above ``alpha`` lie within it of the estimate."""
    if variance <= 0 or tau <= 0:
        return math.inf
    spread = variance + tau**2
    log_needed = math.log(1 / alpha) + 0.5 * math.log(spread / variance)
    return math.sqrt(2 * variance * spread / tau**2 * log_needed)
