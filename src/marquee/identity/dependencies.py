"""FastAPI dependencies: who is calling, and may they. Re-exported by :mod:`.service`.

A request is authenticated by ``Authorization: Bearer <access token>`` or, from a browser, by
the session cookie. Cookie-authenticated requests that change state must echo the readable
``marquee_csrf`` cookie in an ``X-CSRF-Token`` header (bearer requests are exempt: a browser
never adds that header to a cross-site request on its own).

Dependencies that do no blocking I/O are ``async``: FastAPI then runs them on the event loop
instead of sending each through the thread pool. Those that read the database stay synchronous.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from marquee.identity import repository, schemas, views
from marquee.identity.context import ClientInfo, Identity
from marquee.identity.errors import CsrfFailed, NotAuthenticated, ProfileNotSelected, RoleRequired
from marquee.identity.models import Account
from marquee.identity.sessions import SessionRecord
from marquee.identity.tokens import digest, read_access_token
from marquee.kit.secret_text import same_secret
from marquee.kit.web import DbSession, answers, client_address_of

SESSION_COOKIE = "marquee_session"
CSRF_COOKIE = "marquee_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: An analyst reads the analytics reports (analytics checks it); elsewhere it ranks as a viewer.
ROLE_RANK = {"viewer": 0, "analyst": 0, "editor": 1, "admin": 2}
IDENTITY_STATE = "identity"


async def identity(request: Request) -> Identity:
    """Identity's services for the platform serving the request, built at its first request and
    kept: they hold no per-request state, and building them reads the platform secret (a file in
    development)."""
    state = request.app.state
    platform = state.platform
    built: tuple[object, Identity] | None = getattr(state, IDENTITY_STATE, None)
    if built is None or built[0] is not platform:
        built = (platform, Identity.build(platform.settings, platform.cache, platform.db.sessions))
        setattr(state, IDENTITY_STATE, built)
    return built[1]


@answers(429)
async def client_info(request: Request) -> ClientInfo:
    """The caller's User-Agent, address (through trusted proxies only) and its country (an
    in-memory lookup). The routes that ask for it limit requests per address (documented 429)."""
    ip = client_address_of(request)
    return ClientInfo(
        user_agent=request.headers.get("user-agent", "")[:512],
        ip=ip,
        country=request.app.state.platform.geo.country(ip),
    )


IdentityDep = Annotated[Identity, Depends(identity)]
ClientDep = Annotated[ClientInfo, Depends(client_info)]


@dataclass(frozen=True)
class Authenticated:
    principal: schemas.Principal
    session: SessionRecord


@answers(401, 403)  # 403: a cookie request that changes state without its CSRF header
async def signed_in(request: Request) -> SessionRecord:
    """The caller's sign-in session, from the access token or the cookie: the cache's copy, so
    it runs on the event loop (the database is read only when the cache lost the copy, once a
    session; noting the device seen, once a minute, writes in the background without holding
    the request up: ``SessionStore.note_seen``). Its helpers are called, not declared as
    dependencies: each FastAPI dependency costs the hot paths more than its work."""
    ident = await identity(request)
    header = request.headers.get("authorization")
    if header is not None:
        record = _bearer_session(ident, header)
    else:
        record = _cookie_session(request, ident)
    if ident.sessions.touch_due(record):
        client = await client_info(request)
        ident.sessions.note_seen(record, client.ip, client.country)
    return record


SignedInDep = Annotated[SessionRecord, Depends(signed_in)]


def authenticate(
    request: Request, session: DbSession, ident: IdentityDep, record: SignedInDep
) -> Authenticated:
    account = session.get(Account, record.account_id)
    if account is None:
        ident.sessions.revoke_all(record.account_id)
        raise NotAuthenticated("This account no longer exists.")
    principal = schemas.Principal(
        **_caller_fields(request, record),
        role=account.role,
        email_verified=account.email_verified_at is not None,
    )
    return Authenticated(principal, record)


def _caller_fields(request: Request, record: SessionRecord) -> dict[str, Any]:
    """What :class:`schemas.Caller` (and so :class:`schemas.Principal`) holds of the session."""
    return {
        "account_id": record.account_id,
        "session_id": record.id,
        "profile_id": record.profile_id,
        "via_cookie": "authorization" not in request.headers,
    }


def _bearer_session(ident: Identity, header: str) -> SessionRecord:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated("Use an `Authorization: Bearer <access token>` header.")
    claims = read_access_token(ident.keys, token.strip())
    return ident.sessions.require(claims.account_id, claims.session_id)


def _cookie_session(request: Request, ident: Identity) -> SessionRecord:
    parts = request.cookies.get(SESSION_COOKIE, "").split(".", 2)
    record = ident.sessions.get(parts[0], parts[1]) if len(parts) == 3 else None
    if record is None or not same_secret(record.cookie_hash, digest(parts[2])):
        raise NotAuthenticated
    if request.method not in SAFE_METHODS:
        _check_csrf(request, ident, record)
    return record


def _check_csrf(request: Request, ident: Identity, record: SessionRecord) -> None:
    expected = ident.keys.mac("csrf", record.id)
    sent = request.headers.get(CSRF_HEADER, "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not (same_secret(sent, expected) and same_secret(cookie, expected)):
        raise CsrfFailed


AuthDep = Annotated[Authenticated, Depends(authenticate)]


async def current_account(auth: AuthDep) -> schemas.Principal:
    return auth.principal


CurrentAccount = Annotated[schemas.Principal, Depends(current_account)]
"""The signed-in caller (401 ``not-authenticated`` otherwise)."""


async def current_caller(request: Request, record: SignedInDep) -> schemas.Caller:
    return schemas.Caller(**_caller_fields(request, record))


CurrentCaller = Annotated[schemas.Caller, Depends(current_caller)]
"""The signed-in caller without its account's role: no database read, for hot paths that only
need to know whose request it is. A deleted account's sessions end with it."""


@answers(409)
def current_profile(principal: CurrentAccount, session: DbSession) -> schemas.Profile:
    """The profile chosen on this device ("who's watching"); 409 ``profile-not-selected``."""
    if principal.profile_id is None:
        raise ProfileNotSelected
    row = repository.profile_of(session, principal.account_id, principal.profile_id)
    if row is None:
        raise ProfileNotSelected
    return views.profile(row)


CurrentProfile = Annotated[schemas.Profile, Depends(current_profile)]


def require_role(
    role: schemas.Role,
) -> Callable[[schemas.Principal], Coroutine[Any, Any, schemas.Principal]]:
    """A dependency passing callers with ``role`` or a higher one (viewer < editor < admin)."""

    @answers(403)
    async def check(principal: CurrentAccount) -> schemas.Principal:
        if ROLE_RANK[principal.role] < ROLE_RANK[role]:
            raise RoleRequired(f"This needs the {role} role.")
        return principal

    return check
