"""Defining experiments: the checks a definition passes before it is kept (weights summing to
100, distinct variant keys, known metrics, a free range of its layer) and its life (draft,
running, stopped). Variants change only before the start: a running experiment's weights are
fixed, since moving them would move units between variants mid-test."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.analytics.service import MEMBER_METRICS
from marquee.experiments import knobs, running
from marquee.experiments.assignment import free_offset, overlaps
from marquee.experiments.errors import (
    BadExperiment,
    BadExperimentState,
    ExperimentExists,
    ExperimentNotFound,
    ExperimentRunning,
    LayerOverlap,
)
from marquee.experiments.models import Experiment
from marquee.experiments.schemas import ExperimentIn, Metrics, Variant
from marquee.kit.db import after_commit, utcnow


def find(session: Session, key: str) -> Experiment:
    row = session.scalar(select(Experiment).where(Experiment.key == key))
    if row is None:
        raise ExperimentNotFound(key)
    return row


def create(session: Session, form: ExperimentIn) -> Experiment:
    check_variants(form.variants)
    check_metrics(form.metrics)
    if session.scalar(select(Experiment.id).where(Experiment.key == form.key)) is not None:
        raise ExperimentExists(form.key)
    row = Experiment(
        key=form.key,
        hypothesis=form.hypothesis,
        unit=form.unit,
        variants=[v.model_dump() for v in form.variants],
        audience=form.audience.model_dump(),
        metrics=form.metrics.model_dump(),
        layer=form.layer,
        rollout=form.rollout,
        days=form.days,
        layer_offset=_place(session, form),
    )
    session.add(row)
    session.flush()
    return row


def check_variants(variants: list[Variant]) -> None:
    total = sum(v.weight for v in variants)
    if total != 100:
        raise BadExperiment(f"The variants' weights add up to {total}; they must add up to 100.")
    keys = [v.key for v in variants]
    if len(set(keys)) != len(keys):
        raise BadExperiment(f"Variant keys must differ: {', '.join(keys)}.")
    for variant in variants:
        if problem := knobs.problem_with(variant.parameters):
            raise BadExperiment(f"Variant {variant.key!r}: {problem}.")
    if problem := knobs.client_knob_problem([v.parameters for v in variants]):
        raise BadExperiment(f"The player reads its variant alone: {problem}.")


def check_metrics(metrics: Metrics) -> None:
    named = [
        *([metrics.primary] if metrics.primary else []),
        *metrics.secondary,
        *(g.metric for g in metrics.guardrails),
    ]
    if unknown := [m for m in named if m not in MEMBER_METRICS]:
        raise BadExperiment(
            f"Unknown metric {', '.join(unknown)}; the metrics are {', '.join(MEMBER_METRICS)}."
        )


def _place(session: Session, form: ExperimentIn) -> int:
    """The offset of the experiment's range in its layer: the one asked for if it is free,
    else the lowest free one. Stopped experiments give their range back."""
    if form.layer is None:
        return form.layer_offset or 0
    taken = [
        (row.layer_offset, row.rollout)
        for row in session.scalars(
            select(Experiment).where(Experiment.layer == form.layer, Experiment.state != "stopped")
        )
    ]
    if form.layer_offset is not None:
        wanted = (form.layer_offset, form.rollout)
        if form.layer_offset + form.rollout > 100 or any(overlaps(wanted, t) for t in taken):
            raise LayerOverlap(
                f"Layer {form.layer!r} has no free range of {form.rollout}% at "
                f"{form.layer_offset}%: its experiments would share units."
            )
        return form.layer_offset
    offset = free_offset(taken, form.rollout)
    if offset is None:
        raise LayerOverlap(
            f"Layer {form.layer!r} has no free {form.rollout}% left: its experiments would "
            "share units. Stop one, or ask for a smaller rollout."
        )
    return offset


def change_variants(session: Session, key: str, variants: list[Variant]) -> Experiment:
    row = find(session, key)
    if row.state != "draft":
        raise ExperimentRunning(
            f"Experiment {key!r} is {row.state}: its variants are fixed once started. "
            "Create a new version (a new key) with the new weights instead."
        )
    check_variants(variants)
    row.variants = [v.model_dump() for v in variants]
    session.flush()
    return row


def start(session: Session, key: str) -> Experiment:
    row = find(session, key)
    if row.state != "draft":
        raise BadExperimentState(f"Experiment {key!r} is {row.state}; only a draft starts.")
    row.state, row.started_at = "running", utcnow()
    return _changed(session, row)


def stop(session: Session, key: str, *, reason: str | None = None) -> Experiment:
    row = find(session, key)
    if row.state != "running":
        raise BadExperimentState(f"Experiment {key!r} is {row.state}; only a running one stops.")
    row.state, row.stopped_at, row.stop_reason = "stopped", utcnow(), reason
    return _changed(session, row)


def _changed(session: Session, row: Experiment) -> Experiment:
    session.flush()
    after_commit(session, running.forget)
    return row


def listing(session: Session) -> list[Experiment]:
    return list(session.scalars(select(Experiment).order_by(Experiment.created_at.desc())))


def running_rows(session: Session) -> list[Experiment]:
    return list(session.scalars(select(Experiment).where(Experiment.state == "running")))
