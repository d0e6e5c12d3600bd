"""Experiments' public face: definitions, assignment, exposures and results. Public functions
take the database session first (and the platform's plumbing where they read the cached
running definitions or the lake), the rest by keyword."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from marquee.experiments import definitions, running, views
from marquee.experiments.assignment import Member as Member
from marquee.experiments.assignment import (
    Running,
    admits,
    assignments,
    unit_of,
    variant_of,
)
from marquee.experiments.errors import BadExperimentState, NotInExperiment
from marquee.experiments.events import EXPOSURE_RECORDED, ExposureRecorded
from marquee.experiments.models import Exposure
from marquee.experiments.results import has_exposures
from marquee.experiments.results import results as compute_results
from marquee.experiments.schemas import (
    Assignment,
    Experiment,
    ExperimentIn,
    Results,
    Variant,
)
from marquee.kit.db import utcnow
from marquee.kit.events import publish
from marquee.kit.plumbing import Plumbing


def create_experiment(session: Session, *, form: ExperimentIn) -> Experiment:
    return views.experiment(definitions.create(session, form))


def list_experiments(session: Session) -> list[Experiment]:
    return [views.experiment(row) for row in definitions.listing(session)]


def get_experiment(session: Session, *, key: str) -> Experiment:
    return views.experiment(definitions.find(session, key))


def change_variants(session: Session, *, key: str, variants: list[Variant]) -> Experiment:
    return views.experiment(definitions.change_variants(session, key, variants))


def start_experiment(session: Session, *, key: str) -> Experiment:
    return views.experiment(definitions.start(session, key))


def stop_experiment(session: Session, *, key: str, reason: str | None = None) -> Experiment:
    return views.experiment(definitions.stop(session, key, reason=reason))


def assignments_of(platform: Plumbing, *, member: Member) -> list[Assignment]:
    """The member's variants in every running experiment it is in: hashing only, over the
    process's cached definitions (no database row read or written)."""
    return assignments(_running(platform), member)


def variant_for(platform: Plumbing, *, experiment_key: str, member: Member) -> Assignment | None:
    """The member's variant of one running experiment, or None (not running, not in its
    audience or range): what server-side code reads to pick a knob's value."""
    found = [a for a in assignments_of(platform, member=member) if a.experiment == experiment_key]
    return found[0] if found else None


def record_exposure(
    session: Session, platform: Plumbing, *, experiment_key: str, member: Member
) -> Assignment:
    """The member used its variant of the experiment: an exposure event, to the lake and the
    experiment's counts after commit (409 when the member has no variant of it)."""
    experiment = next((e for e in _running(platform) if e.key == experiment_key), None)
    if experiment is None:
        state = definitions.find(session, experiment_key).state
        raise BadExperimentState(f"Experiment {experiment_key!r} is {state}, not running.")
    unit = unit_of(experiment, member)
    variant = variant_of(experiment, unit)
    if variant is None or not admits(experiment.audience, member, experiment.started_at):
        raise NotInExperiment(experiment_key)
    payload = ExposureRecorded(
        experiment_id=experiment.id,
        experiment=experiment.key,
        variant=variant.key,
        unit_id=unit,
        account_id=member.account_id,
        profile_id=member.profile_id,
        at=utcnow(),
    )
    publish(session, EXPOSURE_RECORDED, payload)
    return Assignment(experiment=experiment.key, variant=variant.key, parameters=variant.parameters)


def _running(platform: Plumbing) -> Sequence[Running]:
    return running.running(platform.db, ttl_s=platform.settings.experiments_cache_ttl_s)


def count_exposures(session: Session, *, exposures: Sequence[ExposureRecorded]) -> None:
    """Add exposures to the units' rows (the first one makes the row)."""
    for exposure in exposures:
        row = session.get(Exposure, (exposure.experiment_id, exposure.unit_id))
        if row is None:
            row = Exposure(
                experiment_id=exposure.experiment_id,
                unit_id=exposure.unit_id,
                variant=exposure.variant,
                account_id=exposure.account_id,
                exposures=0,
                first_at=exposure.at,
            )
            session.add(row)
        row.exposures += 1
        session.flush()


def experiment_results(session: Session, platform: Plumbing, *, key: str) -> Results:
    return compute_results(session, platform, definitions.find(session, key))


def stop_breached(session: Session, platform: Plumbing) -> list[str]:
    """Stop every running experiment whose guardrails are breached, saying why; their keys."""
    stopped = []
    for row in definitions.running_rows(session):
        if not has_exposures(session, row):
            continue
        breaches = compute_results(session, platform, row).guardrail_breaches
        if breaches:
            definitions.stop(session, row.key, reason=" ".join(breaches))
            stopped.append(row.key)
    return stopped


def forget_units(session: Session, *, ids: Sequence[str]) -> int:
    """Delete the exposures of these accounts and profiles (their erasure)."""
    rows = session.scalars(
        select(Exposure).where(or_(Exposure.unit_id.in_(ids), Exposure.account_id.in_(ids)))
    ).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)
