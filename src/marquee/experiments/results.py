"""An experiment's results: per variant its exposed units and exposures, and each metric named
in its definition beside the control (the first variant) — Welch's difference and interval,
the same after CUPED with the pre-period (as long as the experiment, just before its start),
and the sequential test of the CUPED difference at today's look (one look a day: the
group-sequential boundary, repeated p-value and interval over the planned days, the mSPRT past
them). The units per variant are checked against
the weights (sample-ratio mismatch); a guardrail whose interval lies wholly on its worse side
of the tolerance is a breach."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marquee.analytics import service as analytics
from marquee.experiments import statistics
from marquee.experiments.errors import NoExposures
from marquee.experiments.models import Experiment, Exposure
from marquee.experiments.schemas import (
    Guardrail,
    Interval,
    MetricResult,
    Metrics,
    Results,
    Sequential,
    VariantResult,
)
from marquee.kit.db import utcnow
from marquee.kit.plumbing import Plumbing

#: Metrics a member without any play has as 0 (the others it has not at all).
COUNTS = frozenset({"plays_per_member", "viewing_hours_per_member", "active_days"})
MemberFigures = Mapping[str, Mapping[str, float | None]]


@dataclass(frozen=True)
class Looks:
    """Which daily look this reading is (1 on the start day), of how many planned."""

    look: int
    planned: int


@dataclass(frozen=True)
class Arm:
    variant: str
    weight: int
    units: list[str]
    exposures: int


def arms(session: Session, row: Experiment) -> list[Arm]:
    query = (
        select(Exposure.variant, Exposure.unit_id, Exposure.exposures)
        .where(Exposure.experiment_id == row.id)
        .order_by(Exposure.unit_id)
    )
    units: dict[str, list[str]] = {v["key"]: [] for v in row.variants}
    counts = dict.fromkeys(units, 0)
    for variant, unit_id, exposures in session.execute(query):
        units.setdefault(variant, []).append(unit_id)
        counts[variant] = counts.get(variant, 0) + exposures
    weights = {v["key"]: v["weight"] for v in row.variants}
    return [Arm(key, weights.get(key, 0), units[key], counts[key]) for key in units]


def has_exposures(session: Session, row: Experiment) -> bool:
    count = select(func.count()).where(Exposure.experiment_id == row.id)
    return bool(session.scalar(count))


def results(session: Session, platform: Plumbing, row: Experiment) -> Results:
    if not has_exposures(session, row):
        raise NoExposures(row.key)
    started = (row.started_at or row.created_at).date()
    last = (row.stopped_at or utcnow()).date()
    before = (started - timedelta(days=(last - started).days + 1), started - timedelta(days=1))
    found = arms(session, row)
    ids = [unit for arm in found for unit in arm.units]
    now = analytics.member_metrics(platform, unit=row.unit, ids=ids, first=started, last=last)
    then = analytics.member_metrics(
        platform, unit=row.unit, ids=ids, first=before[0], last=before[1]
    )
    metrics = Metrics.model_validate(row.metrics)
    control = found[0]
    looks = Looks(look=(last - started).days + 1, planned=row.days)
    variants = [
        VariantResult(
            variant=arm.variant,
            units=len(arm.units),
            exposures=arm.exposures,
            metrics=[
                compare(name, role, control.units, arm.units, now, then, looks)
                for name, role in named(metrics)
            ],
        )
        for arm in found
    ]
    srm_p = statistics.sample_ratio_p_value(
        [len(a.units) for a in found], [a.weight for a in found]
    )
    return Results(
        experiment=row.key,
        state=row.state,
        first_day=str(started),
        last_day=str(last),
        variants=variants,
        sample_ratio_p_value=srm_p,
        sample_ratio_mismatch=srm_p < statistics.SRM_ALPHA,
        guardrail_breaches=breaches(metrics.guardrails, variants),
        stop_reason=row.stop_reason,
    )


def named(metrics: Metrics) -> list[tuple[str, str]]:
    """The metrics to show, with their role; all of them as secondary when none is named."""
    chosen = [
        *([(metrics.primary, "primary")] if metrics.primary else []),
        *((m, "secondary") for m in metrics.secondary),
        *((g.metric, "guardrail") for g in metrics.guardrails),
    ]
    return chosen or [(m, "secondary") for m in analytics.MEMBER_METRICS]


def values(name: str, units: Sequence[str], figures: MemberFigures) -> dict[str, float]:
    """Each unit's value of the metric (0 for counts of a unit that did nothing)."""
    found = {}
    for unit in units:
        value = figures.get(unit, {}).get(name)
        if value is None and name in COUNTS:
            value = 0.0
        if value is not None:
            found[unit] = value
    return found


def compare(
    name: str,
    role: str,
    control_units: Sequence[str],
    units: Sequence[str],
    now: MemberFigures,
    then: MemberFigures,
    looks: Looks,
) -> MetricResult:
    control, treatment = values(name, control_units, now), values(name, units, now)
    result = MetricResult(
        metric=name,
        role=role,
        control_mean=_mean(control),
        mean=_mean(treatment),
        units=len(treatment),
    )
    if units is control_units or not _spread(control, treatment):
        return result
    plain = statistics.welch(list(control.values()), list(treatment.values()))
    before = values(name, [*control, *treatment], then)
    fill = float(np.mean(list(before.values()))) if before else 0.0
    adjusted = statistics.cuped(
        list(control.values()),
        list(treatment.values()),
        [before.get(u, fill) for u in control],
        [before.get(u, fill) for u in treatment],
    )
    reduced = statistics.welch(adjusted.control, adjusted.treatment)
    tau = statistics.mixture_tau(float(np.std(list(control.values()), ddof=1)))
    sequential = statistics.sequential_look(
        reduced, look=looks.look, planned_looks=looks.planned, tau=tau
    )
    return result.model_copy(
        update={
            "difference": _interval(plain),
            "cuped": _interval(reduced),
            "cuped_variance_reduction": adjusted.variance_reduction,
            "sequential_p_value": sequential.p_value,
            "sequential": Sequential(
                method=sequential.method,
                look=sequential.look,
                planned_looks=sequential.planned_looks,
                boundary=sequential.boundary,
                low=sequential.low,
                high=sequential.high,
            ),
        }
    )


def _spread(control: Mapping[str, float], treatment: Mapping[str, float]) -> bool:
    """Whether the variants' values vary enough to estimate a difference's variance."""
    if len(control) < 2 or len(treatment) < 2:
        return False
    return float(np.var(list(control.values())) + np.var(list(treatment.values()))) > 0


def _mean(found: Mapping[str, float]) -> float | None:
    return float(np.mean(list(found.values()))) if found else None


def _interval(difference: statistics.Difference) -> Interval:
    return Interval(
        estimate=difference.estimate,
        low=difference.low,
        high=difference.high,
        p_value=difference.p_value,
    )


def breaches(guardrails: Sequence[Guardrail], variants: Sequence[VariantResult]) -> list[str]:
    """Why each guardrail is breached: a variant's interval wholly worse than the tolerance."""
    found = []
    for guard in guardrails:
        for variant in variants[1:]:
            for metric in variant.metrics:
                interval = metric.cuped or metric.difference
                if metric.metric != guard.metric or metric.role != "guardrail" or not interval:
                    continue
                worse = (
                    interval.high < -guard.tolerance
                    if guard.higher_is_better
                    else interval.low > guard.tolerance
                )
                if worse:
                    found.append(
                        f"Guardrail {guard.metric} breached by {variant.variant}: "
                        f"{interval.estimate:+.4g} (95% interval {interval.low:.4g} to "
                        f"{interval.high:.4g}) against the control."
                    )
    return found
