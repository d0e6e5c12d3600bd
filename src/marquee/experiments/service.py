"""Experiments' public face: definitions, assignment, exposures and results. Public functions
take the database session first (and the platform's plumbing where they read the cached
running definitions or the lake), the rest by keyword."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from marquee.billing import service as billing
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
from marquee.experiments.knobs import BROWSE_KNOBS as BROWSE_KNOBS
from marquee.experiments.knobs import ROW_KINDS as ROW_KINDS
from marquee.experiments.knobs import RecommendModel as RecommendModel
from marquee.experiments.knobs import overridden
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
from marquee.identity import service as identity
from marquee.kit.db import utcnow
from marquee.kit.events import publish
from marquee.kit.plumbing import Plumbing
from marquee.settings import Settings


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
    _publish_exposure(session, experiment, variant.key, member)
    return Assignment(experiment=experiment.key, variant=variant.key, parameters=variant.parameters)


def _publish_exposure(session: Session, experiment: Running, variant: str, member: Member) -> None:
    payload = ExposureRecorded(
        experiment_id=experiment.id,
        experiment=experiment.key,
        variant=variant,
        unit_id=unit_of(experiment, member),
        account_id=member.account_id,
        profile_id=member.profile_id,
        at=utcnow(),
    )
    publish(session, EXPOSURE_RECORDED, payload)


def member_of(
    session: Session, *, account_id: str, profile_id: str, country: str, device: str | None
) -> Member:
    """The account's profile as the audience filters see it (404 for another account's)."""
    identity.get_profile(session, account_id=account_id, profile_id=profile_id)
    return Member(
        account_id=account_id,
        profile_id=profile_id,
        country=country,
        plan=billing.entitlement(session, account_id=account_id).plan_id,
        joined_at=identity.get_account(session, account_id=account_id).created_at,
        device=device,
    )


def knobs_in_play(platform: Plumbing, *, names: Sequence[str]) -> bool:
    """Whether a running experiment turns any of these knobs (no database read but the
    cached definitions): callers skip reading the member when none does."""
    return any(_turns(e, name) for e in _running(platform) for name in names)


@dataclass(frozen=True)
class Knobs:
    """A member's values of some knobs: per knob, the assignment of the experiment turning it
    (its value None when the member's variant leaves the knob at its default)."""

    member: Member | None = None
    turned: dict[str, Assignment] = field(default_factory=dict)
    experiments: dict[str, Running] = field(default_factory=dict)

    def value(self, name: str, default: Any = None) -> Any:
        found = self.turned.get(name)
        return found.parameters.get(name, default) if found is not None else default

    def settings(self, settings: Settings) -> Settings:
        """``settings`` with the unit's overrides (the ``settings`` knob)."""
        return overridden(settings, self.value("settings", {}))

    @property
    def signature(self) -> str:
        """The experiments and variants behind these values, for cache keys."""
        return ",".join(sorted({f"{a.experiment}={a.variant}" for a in self.turned.values()}))


def knobs_for(
    session: Session,
    platform: Plumbing,
    *,
    account_id: str,
    profile_id: str,
    country: str,
    names: Sequence[str],
    device: str | None = None,
) -> Knobs:
    """The profile's values of the knobs named: for each, the first running experiment that
    turns it and enrolls the profile. Reads the member only when some experiment turns one."""
    if not knobs_in_play(platform, names=names):
        return Knobs()
    member = member_of(
        session, account_id=account_id, profile_id=profile_id, country=country, device=device
    )
    turning = {e.key: e for e in _running(platform) if any(_turns(e, n) for n in names)}
    turned: dict[str, Assignment] = {}
    for found in assignments(turning.values(), member):
        for name in names:
            if name not in turned and _turns(turning[found.experiment], name):
                turned[name] = found
    return Knobs(member, turned, turning)


def use_knobs(session: Session, platform: Plumbing, *, knobs: Knobs, names: Sequence[str]) -> None:
    """The code owning these knobs used the member's values: one exposure per experiment."""
    used = {knobs.turned[n].experiment: knobs.turned[n] for n in names if n in knobs.turned}
    for experiment_key, assignment in sorted(used.items()):
        assert knobs.member is not None
        experiment = knobs.experiments[experiment_key]
        _publish_exposure(session, experiment, assignment.variant, knobs.member)


def _turns(experiment: Running, name: str) -> bool:
    return any(name in v.parameters for v in experiment.variants)


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
