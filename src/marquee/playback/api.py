"""Playback's HTTP API: sessions, their manifests and licences, heartbeats, history."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response, status
from sqlalchemy.orm import Session

from marquee.catalog import service as catalog
from marquee.catalog.schemas import TitleSummary
from marquee.identity import service as identity
from marquee.identity.schemas import Principal
from marquee.identity.service import CurrentAccount
from marquee.kit.cors import cors_headers, preflight_headers
from marquee.kit.web import (
    ClientCountry,
    DbSession,
    api_router,
    cross_origin_router,
    preflight,
    problems,
    raw_body,
)
from marquee.playback import licenses, service, session_manifests, sessions
from marquee.playback.drm.clearkey import ClearKeyLicense
from marquee.playback.schemas import (
    ContinueItem,
    Heartbeat,
    HistoryEntry,
    SessionStart,
    SessionStarted,
    Stop,
    license_request_body,
)

router = api_router(tags=["playback"])
SessionId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
#: A session's MPD, its master playlist, or a media playlist in its folder (``e…-video/720p/``).
ManifestName = Annotated[
    str, Path(pattern=r"^(manifest\.mpd|([A-Za-z0-9_-]{1,64}/){0,4}[A-Za-z0-9_-]{1,64}\.m3u8)$")
]
MEDIA_TYPES = {"mpd": "application/dash+xml", "m3u8": "application/vnd.apple.mpegurl"}


@router.post(
    "/playback/sessions", status_code=status.HTTP_201_CREATED, responses=problems(404, 409, 429)
)
def start_session(
    form: SessionStart,
    me: CurrentAccount,
    session: DbSession,
    country: ClientCountry,
    request: Request,
) -> SessionStarted:
    """Start playing a title or an episode for one of the caller's profiles."""
    platform = request.app.state.platform
    device = identity.device_name(request.headers.get("user-agent", ""))
    return sessions.start_session(
        session,
        settings=platform.settings,
        cache=platform.cache,
        me=me,
        form=form,
        country=country,
        device=device,
    )


@router.post(
    "/playback/sessions/{session_id}/heartbeat",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(409),
)
def heartbeat(
    session_id: SessionId, beat: Heartbeat, me: CurrentAccount, session: DbSession, request: Request
) -> None:
    sessions.heartbeat(
        session,
        settings=request.app.state.platform.settings,
        me=me,
        session_id=session_id,
        beat=beat,
    )


@router.post("/playback/sessions/{session_id}/stop", status_code=status.HTTP_204_NO_CONTENT)
def stop(
    session_id: SessionId,
    me: CurrentAccount,
    session: DbSession,
    request: Request,
    form: Stop | None = None,
) -> None:
    sessions.stop(
        session,
        settings=request.app.state.platform.settings,
        me=me,
        session_id=session_id,
        form=form or Stop(),
    )


@router.get("/profiles/{profile_id}/history")
def history(profile_id: str, me: CurrentAccount, session: DbSession) -> list[HistoryEntry]:
    """What one of the caller's profiles watched, most recent first."""
    identity.get_profile(session, account_id=me.account_id, profile_id=profile_id)
    return service.history(session, profile_id=profile_id)


@router.delete("/profiles/{profile_id}/history/{title_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_from_history(
    profile_id: str, title_id: str, me: CurrentAccount, session: DbSession
) -> None:
    identity.get_profile(session, account_id=me.account_id, profile_id=profile_id)
    service.remove_from_history(session, profile_id=profile_id, title_id=title_id)


@router.get("/profiles/{profile_id}/continue-watching")
def continue_watching(
    profile_id: str,
    me: CurrentAccount,
    session: DbSession,
    country: ClientCountry,
    request: Request,
) -> list[ContinueItem]:
    """Titles to resume and next episodes, limited to what the profile may watch here now."""
    profile = identity.get_profile(session, account_id=me.account_id, profile_id=profile_id)
    limit = request.app.state.platform.settings.playback_continue_limit
    items = service.continue_watching(session, profile_id=profile_id, limit=limit)
    summaries: dict[str, TitleSummary] = {
        s.id: s
        for s in catalog.title_summaries(
            session,
            title_ids=[i.title_id for i in items],
            territory=country,
            maturity=profile.maturity,
            languages=[profile.language],
        )
    }
    return [
        item.model_copy(update={"title": summaries[item.title_id]})
        for item in items
        if item.title_id in summaries
    ]


# --- what players fetch, from any origin (kit.cors: the URL or the bearer token is the grant) ---

MANIFEST_PATH = "/playback/sessions/{session_id}/{token}/{name:path}"
LICENSE_PATH = "/playback/sessions/{session_id}/license"
#: Licences: a ``Retry-After`` a player may read; preflights for the bearer token and JSON.
players = cross_origin_router(cors_headers(expose=("Retry-After",)))  # tagged by `router`
MANIFEST_PREFLIGHT = preflight_headers(methods=("GET", "OPTIONS"), headers=())
LICENSE_PREFLIGHT = preflight_headers(
    methods=("GET", "POST", "OPTIONS"), headers=("Authorization", "Content-Type")
)


@players.get(MANIFEST_PATH, include_in_schema=False)
def session_manifest(
    session_id: SessionId, token: str, name: ManifestName, session: DbSession, request: Request
) -> Response:
    """The session's manifests; the URL itself is the credential (players send none)."""
    platform = request.app.state.platform
    text = session_manifests.session_manifest(
        session,
        settings=platform.settings,
        storage=platform.storage,
        session_id=session_id,
        token=token,
        name=name,
    )
    media_type = MEDIA_TYPES[name.rsplit(".", 1)[1]]
    return Response(text, media_type=media_type, headers={"Cache-Control": "private, no-store"})


@players.options(MANIFEST_PATH, include_in_schema=False)
def session_manifest_preflight() -> Response:
    return preflight(MANIFEST_PREFLIGHT)


@players.post(
    LICENSE_PATH,
    openapi_extra={"requestBody": license_request_body()},
    response_model=ClearKeyLicense,
    responses=problems(409, 429),  # 429: playback_license_limit per session per minute
)
def license(
    session_id: SessionId,
    me: CurrentAccount,
    session: DbSession,
    request: Request,
    body: Annotated[bytes, Depends(raw_body)],
) -> Response:
    """W3C ClearKey licence: ``{"kids": [...], "type": "temporary"}`` → a JSON Web Key set."""
    return _license(session, request, me, session_id, body)


@players.get(LICENSE_PATH, include_in_schema=False)
def raw_key(
    session_id: SessionId,
    me: CurrentAccount,
    session: DbSession,
    request: Request,
    kid: Annotated[str | None, Query(pattern=r"^[0-9A-Fa-f]{32}$")] = None,
) -> Response:
    """The raw 16-byte key ``kid``: an HLS ``KEYFORMAT="identity"`` key URI (Shaka fetches
    it); the asset's one key when it names none (playlists packaged before tiers)."""
    return _license(session, request, me, session_id, None, kid)


@players.options(LICENSE_PATH, include_in_schema=False)
def license_preflight() -> Response:
    return preflight(LICENSE_PREFLIGHT)


def _license(
    session: Session,
    request: Request,
    me: Principal,
    session_id: str,
    body: bytes | None,
    kid: str | None = None,
) -> Response:
    platform = request.app.state.platform
    answer = licenses.issue_license(
        session,
        settings=platform.settings,
        cache=platform.cache,
        me=me,
        session_id=session_id,
        body=body,
        kid=kid,
    )
    return Response(
        answer.body, media_type=answer.media_type, headers={"Cache-Control": "no-store"}
    )


router.include_router(players)
