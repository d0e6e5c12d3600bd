"""Downloads' HTTP API: grants, the device's list, release, renewal, plays; and what players
fetch from any origin (the download's manifest and its persistent licence)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response, status

from marquee.downloads import service
from marquee.downloads.schemas import DeviceId, Download, DownloadRequest, Downloads, Play
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
from marquee.playback.schemas import license_request_body

router = api_router(tags=["downloads"])
DownloadId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.post(
    "/downloads", status_code=status.HTTP_201_CREATED, responses=problems(402, 403, 404, 409, 429)
)
def grant(
    form: DownloadRequest,
    me: CurrentAccount,
    session: DbSession,
    country: ClientCountry,
    request: Request,
) -> Download:
    """Download a movie or an episode onto a device: its manifest, licence URL and expiry."""
    platform = request.app.state.platform
    return service.grant(
        session,
        settings=platform.settings,
        cache=platform.cache,
        me=me,
        form=form,
        country=country,
    )


@router.get("/downloads")
def downloads(
    device_id: Annotated[DeviceId, Query()],
    me: CurrentAccount,
    session: DbSession,
    request: Request,
) -> Downloads:
    """The account's downloads on the device; revoked ones say why (delete them)."""
    return service.downloads_on_device(
        session,
        settings=request.app.state.platform.settings,
        account_id=me.account_id,
        device_id=device_id,
    )


@router.delete("/downloads/{download_id}", status_code=status.HTTP_204_NO_CONTENT)
def release(download_id: DownloadId, me: CurrentAccount, session: DbSession) -> None:
    """The device deleted the download: its slot is free."""
    service.release(session, account_id=me.account_id, download_id=download_id)


@router.post("/downloads/{download_id}/renew", responses=problems(402, 403, 404, 409, 429))
def renew(
    download_id: DownloadId,
    me: CurrentAccount,
    session: DbSession,
    country: ClientCountry,
    request: Request,
) -> Download:
    """A new expiry, if the download is still allowed."""
    platform = request.app.state.platform
    return service.renew(
        session,
        settings=platform.settings,
        cache=platform.cache,
        me=me,
        download_id=download_id,
        country=country,
    )


@router.post("/downloads/{download_id}/plays")
def plays(
    download_id: DownloadId,
    played: Play | list[Play],
    me: CurrentAccount,
    session: DbSession,
    request: Request,
) -> Download:
    """Plays on the device, reported once it is online: the first starts the play window."""
    return service.record_plays(
        session,
        settings=request.app.state.platform.settings,
        account_id=me.account_id,
        download_id=download_id,
        plays=played if isinstance(played, list) else [played],
    )


# --- what players fetch, from any origin (kit.cors: the URL or the bearer token is the grant) ---

MANIFEST_PATH = "/downloads/{download_id}/{token}/manifest.mpd"
LICENSE_PATH = "/downloads/{download_id}/license"
#: A licence's ``Retry-After`` is for the player to read.
players = cross_origin_router(cors_headers(expose=("Retry-After",)))  # tagged by `router`
MANIFEST_PREFLIGHT = preflight_headers(methods=("GET", "OPTIONS"), headers=())
LICENSE_PREFLIGHT = preflight_headers(
    methods=("POST", "OPTIONS"), headers=("Authorization", "Content-Type")
)


@players.get(MANIFEST_PATH, include_in_schema=False)
def manifest(
    download_id: DownloadId,
    token: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    session: DbSession,
    request: Request,
) -> Response:
    """The download's DASH manifest; the URL itself is the credential."""
    platform = request.app.state.platform
    text = service.manifest(
        session,
        settings=platform.settings,
        storage=platform.storage,
        download_id=download_id,
        token=token,
    )
    headers = {"Cache-Control": "private, no-store"}
    return Response(text, media_type="application/dash+xml", headers=headers)


@players.options(MANIFEST_PATH, include_in_schema=False)
def manifest_preflight() -> Response:
    return preflight(MANIFEST_PREFLIGHT)


@players.post(
    LICENSE_PATH,
    openapi_extra={"requestBody": license_request_body("persistent-license")},
    responses=problems(403, 429),
)
def license(
    download_id: DownloadId,
    me: CurrentAccount,
    session: DbSession,
    request: Request,
    body: Annotated[bytes, Depends(raw_body)],
) -> Response:
    """W3C ClearKey licence for a download: ``{"kids": [...], "type": "persistent-license"}``
    → ``{"keys": [...], "type": "persistent-license", "expires_at": ...}``; 403
    ``download-expired`` or ``download-revoked`` once it may no longer be played; 429
    ``rate-limited`` (with ``Retry-After``) past the licence requests a download may make."""
    platform = request.app.state.platform
    answer, media_type = service.license(
        session,
        settings=platform.settings,
        cache=platform.cache,
        account_id=me.account_id,
        download_id=download_id,
        body=body,
    )
    return Response(answer, media_type=media_type, headers={"Cache-Control": "no-store"})


@players.options(LICENSE_PATH, include_in_schema=False)
def license_preflight() -> Response:
    return preflight(LICENSE_PREFLIGHT)


router.include_router(players)
