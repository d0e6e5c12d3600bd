"""Experiments' HTTP API: definitions, start and stop, and results for admins; assignments and
exposures for a signed-in member's profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, status
from sqlalchemy.orm import Session

from marquee.experiments import schemas, service
from marquee.identity.schemas import Principal
from marquee.identity.service import CurrentAccount, require_role
from marquee.kit.web import ClientCountry, DbSession, api_router, problems

router = api_router(tags=["experiments"])
Admin = Annotated[Principal, Depends(require_role("admin"))]
ProfileId = Annotated[str, Query(min_length=1, max_length=64)]
Device = Annotated[str | None, Query(max_length=32, description="the client's device type")]


@router.post("/experiments", status_code=status.HTTP_201_CREATED, responses=problems(409, 422))
def create_experiment(
    form: schemas.ExperimentIn, _admin: Admin, session: DbSession
) -> schemas.Experiment:
    """Define an experiment (a draft until started); a feature flag is one with a rollout."""
    return service.create_experiment(session, form=form)


@router.get("/experiments")
def list_experiments(_admin: Admin, session: DbSession) -> list[schemas.Experiment]:
    return service.list_experiments(session)


@router.get("/experiments/assignments", responses=problems(404))
def get_assignments(
    profile_id: ProfileId,
    me: CurrentAccount,
    session: DbSession,
    country: ClientCountry,
    request: Request,
    device: Device = None,
) -> schemas.Assignments:
    """The profile's variant in each running experiment it is in."""
    member = _member(session, me, profile_id, country, device)
    found = service.assignments_of(request.app.state.platform, member=member)
    return schemas.Assignments(assignments=found)


@router.get("/experiments/{key}", responses=problems(404))
def get_experiment(key: str, _admin: Admin, session: DbSession) -> schemas.Experiment:
    return service.get_experiment(session, key=key)


@router.patch("/experiments/{key}", responses=problems(404, 409, 422))
def change_experiment(
    key: str, change: schemas.ExperimentChange, _admin: Admin, session: DbSession
) -> schemas.Experiment:
    """Change a draft's variants; a started experiment's are fixed (make a new version)."""
    return service.change_variants(session, key=key, variants=change.variants)


@router.post("/experiments/{key}/start", responses=problems(404, 409))
def start_experiment(key: str, _admin: Admin, session: DbSession) -> schemas.Experiment:
    return service.start_experiment(session, key=key)


@router.post("/experiments/{key}/stop", responses=problems(404, 409))
def stop_experiment(key: str, _admin: Admin, session: DbSession) -> schemas.Experiment:
    return service.stop_experiment(session, key=key, reason="stopped by an admin")


@router.get("/experiments/{key}/results", responses=problems(404, 409))
def get_results(key: str, _admin: Admin, session: DbSession, request: Request) -> schemas.Results:
    """Per variant: units, exposures and each metric beside the control, with the checks."""
    return service.experiment_results(session, request.app.state.platform, key=key)


@router.post(
    "/experiments/{key}/exposures",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problems(404, 409),
)
def post_exposure(
    key: str,
    exposure: schemas.ExposureIn,
    me: CurrentAccount,
    session: DbSession,
    country: ClientCountry,
    request: Request,
    device: Device = None,
) -> schemas.Exposed:
    """The client used the profile's variant of the experiment (not merely was told it)."""
    member = _member(session, me, exposure.profile_id, country, device)
    used = service.record_exposure(
        session, request.app.state.platform, experiment_key=key, member=member
    )
    return schemas.Exposed(experiment=used.experiment, variant=used.variant)


def _member(
    session: Session, me: Principal, profile_id: str, country: str, device: str | None
) -> service.Member:
    return service.member_of(
        session, account_id=me.account_id, profile_id=profile_id, country=country, device=device
    )
