"""Analytics' HTTP API: the player's telemetry and the reports (JSON, or CSV on
``Accept: text/csv``) for admins and analysts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response, status

from marquee.analytics import service
from marquee.analytics.schemas import (
    Report,
    StartupThroughput,
    TelemetryAccepted,
    TelemetryBatch,
)
from marquee.identity.schemas import Principal
from marquee.identity.service import CurrentAccount
from marquee.kit.errors import Forbidden
from marquee.kit.web import ClientCountry, DbSession, answers, api_router, problems

router = api_router(tags=["analytics"])
SessionId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
READERS = frozenset({"admin", "analyst"})
CSV = "text/csv"


@router.post(
    "/playback/sessions/{session_id}/events",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problems(429),
)
def post_telemetry(
    session_id: SessionId,
    batch: TelemetryBatch,
    me: CurrentAccount,
    session: DbSession,
    request: Request,
) -> TelemetryAccepted:
    """The player's quality-of-experience events for one of the caller's sessions."""
    platform = request.app.state.platform
    accepted = service.accept_telemetry(
        session,
        settings=platform.settings,
        cache=platform.cache,
        account_id=me.account_id,
        session_id=session_id,
        batch=batch,
    )
    return TelemetryAccepted(accepted=accepted)


@router.get("/analytics/startup-throughput")
def get_startup_throughput(
    _me: CurrentAccount, country: ClientCountry, request: Request, response: Response
) -> StartupThroughput:
    """A first throughput for a player that has measured none on this device: the median of
    recent sessions' throughput in the caller's country, else its delivery region (null when
    too few sessions give one). The player keeps it a while; so may the browser."""
    response.headers["Cache-Control"] = f"private, max-age={int(service.STARTUP_TTL_S)}"
    return service.startup_throughput(request.app.state.platform, country=country)


@answers(403)
async def report_reader(principal: CurrentAccount) -> Principal:
    """Admins and analysts read the reports."""
    if principal.role not in READERS:
        raise Forbidden("The reports need the analyst or admin role.", slug="role-required")
    return principal


@router.get(
    "/analytics/reports/{name}",
    response_model=Report,
    response_model_by_alias=True,
    responses={**problems(400), 200: {"content": {CSV: {}}}},
)
def get_report(
    name: str,
    request: Request,
    _reader: Annotated[Principal, Depends(report_reader)],
    first: Annotated[date, Query(alias="from")],
    last: Annotated[date, Query(alias="to")],
    group_by: Annotated[str | None, Query(max_length=200, description="comma-separated")] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    title_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response | Report:
    """A report over the days ``from``..``to`` (UTC, both included): viewing, retention,
    quality, business or content."""
    answer = service.report(
        request.app.state.platform,
        name=name,
        first=first,
        last=last,
        group_by=[g.strip() for g in group_by.split(",") if g.strip()] if group_by else None,
        country=country,
        title_id=title_id,
    )
    if CSV in request.headers.get("accept", ""):
        return Response(service.report_csv(answer), media_type=f"{CSV}; charset=utf-8")
    return answer
