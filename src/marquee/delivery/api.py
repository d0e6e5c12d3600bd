"""The origin: ``marquee serve`` answers token paths from the object store.

Edges fill from here (``--origin {public_url}/api/v1/delivery``), and players use it directly
when no edge is registered. It checks the same delivery token as the edges, and refuses the
revoked sessions' tokens, whose list it gives the edges (``GET /revoked``).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse

from marquee.delivery import service, tokens
from marquee.delivery.headers import (
    CORS_HEADERS,
    PREFLIGHT_HEADERS,
    cache_control,
    content_type,
)
from marquee.delivery.revocation import (
    REVOKED_PATH,
    OriginList,
    is_edge_credential,
    refuse_revoked,
)
from marquee.kit.db import utcnow
from marquee.kit.errors import NotFound, Unauthorized
from marquee.kit.storage import LocalObjectStore, ObjectNotFound, ObjectStore
from marquee.kit.web import cross_origin_router, preflight

#: Players on any origin read from here as from an edge, refusals included (kit.cors).
router = cross_origin_router(CORS_HEADERS, prefix="/delivery", tags=["delivery"])


@router.api_route("/t/{token_path:path}", methods=["GET", "HEAD"], include_in_schema=False)
def origin_object(token_path: str, request: Request) -> Response:
    """An object under the token's prefix (ranges supported from a local store)."""
    platform = request.app.state.platform
    # The path as received, so that nothing is decoded twice (the router has decoded
    # ``token_path`` once already): refused unless it is canonical, as at the edges.
    raw = request.scope.get("raw_path") or quote(request.url.path).encode()
    tokens.canonical_path(raw.decode("latin-1"))
    claims = service.verify(platform.settings, path=f"/t/{token_path}")
    refuse_revoked(claims.session_id, _revoked(request))
    key = claims.object_key
    headers = {"Cache-Control": cache_control(key)}
    try:
        return _object_response(platform.storage, key, headers)
    except ObjectNotFound:
        raise NotFound("No such object.") from None


@router.get(REVOKED_PATH, include_in_schema=False)
def revoked(request: Request) -> Response:
    """The sessions whose tokens the edges refuse (docs/delivery.md, *Revocation*); for the
    edges only: ``Authorization: Bearer`` their delivery-key credential."""
    keys = tokens.KeyRing.from_settings(request.app.state.platform.settings)
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not is_edge_credential(keys, credential):
        raise Unauthorized("The revoked sessions are for edges holding a delivery key.")
    sessions = sorted(_revoked(request))
    return JSONResponse({"sessions": sessions}, headers={"Cache-Control": "no-store"})


def _revoked(request: Request) -> frozenset[str]:
    """This process's copy of the list, read at most once per poll interval."""
    state = request.app.state
    found: OriginList | None = getattr(state, "revoked_sessions", None)
    if found is None:
        platform = state.platform

        def read() -> list[str]:
            with platform.db.sessions() as session:
                listed: list[str] = platform.revoked_sessions(
                    session, settings=platform.settings, now=utcnow()
                )
                return listed

        found = OriginList(read, platform.settings.delivery_revocation_poll_s)
        state.revoked_sessions = found
    return found.sessions()


@router.options("/t/{token_path:path}", include_in_schema=False)
def origin_preflight(token_path: str) -> Response:
    """The edges' answer to a preflight (a ``Range`` request from another origin)."""
    return preflight(PREFLIGHT_HEADERS)


def _object_response(storage: ObjectStore, key: str, headers: dict[str, str]) -> Response:
    if isinstance(storage, LocalObjectStore):
        return FileResponse(storage.local_path(key), headers=headers, media_type=content_type(key))
    info = storage.info(key)
    headers |= {"Content-Length": str(info.size), "ETag": f'"{info.etag}"'}
    return StreamingResponse(storage.get(key), headers=headers, media_type=content_type(key))
