"""FastAPI plumbing: the request owns the transaction.

Routers built with :func:`api_router` commit the request's database session after the handler
has returned and before the response is sent, and roll it back if the handler raises, so a
client never sees success for work that was not saved. Routers built with
:func:`cross_origin_router` do the same for routes that pages on any origin call (players:
manifests, licences, segments), with the CORS headers of :mod:`marquee.kit.cors` on every
answer.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Coroutine, Iterator
from http import HTTPStatus
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import AfterValidator
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from marquee.kit.cors import Headers, cors_headers
from marquee.kit.db import Database
from marquee.kit.errors import PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA_REF
from marquee.kit.geo import Network, client_address, parse_proxies

SESSION_STATE = "db_session"


async def request_session(request: Request) -> Session:
    """The request's session, made on first use once the request is admitted among those that
    may hold a connection (:meth:`Database.request_slots`; the slot is given back when the
    session is finished). Making one does no I/O (a connection is taken at its first query),
    so this runs on the event loop rather than costing a thread-pool hop; requests that never
    ask for a session (cached answers) are never held back."""
    session: Session | None = getattr(request.state, SESSION_STATE, None)
    if session is None:
        database: Database = request.app.state.platform.db
        await database.request_slots().acquire()
        session = database.sessions()
        setattr(request.state, SESSION_STATE, session)
    return session


DbSession = Annotated[Session, Depends(request_session)]


def client_address_of(request: Request) -> str:
    """The viewer's IP address, through the trusted proxies only."""
    settings = request.app.state.platform.settings
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-for")
    return client_address(peer, forwarded, _proxies(settings.trusted_proxies))


@functools.cache
def _proxies(spec: str) -> tuple[Network, ...]:
    """The trusted proxies, parsed once per setting rather than per request."""
    return tuple(parse_proxies(spec))


def request_country(request: Request) -> str:
    """The territory a request comes from (ISO 3166-1 alpha-2), see :mod:`marquee.kit.geo`."""
    platform = request.app.state.platform
    found: str | None = platform.geo.country(client_address_of(request))
    return found or str(platform.settings.default_country)


ClientCountry = Annotated[str, Depends(request_country)]


def at_most(limit: int) -> AfterValidator:
    """An upper bound for an integer parameter whose documented schema is already a published
    contract (``Annotated[int, Query(ge=1), at_most(10_000)]``): past it the request answers 422
    instead of overflowing a database integer, and the OpenAPI document stays as it was."""

    def check(value: int) -> int:
        if value > limit:
            raise ValueError(f"Input should be less than or equal to {limit}")
        return value

    return AfterValidator(check)


Call = TypeVar("Call", bound=Callable[..., Any])
_ANSWERS: dict[Callable[..., Any], frozenset[int]] = {}


def answers(*statuses: int) -> Callable[[Call], Call]:
    """Marks a dependency that may refuse a request with these statuses: every route that
    depends on it, directly or not, documents them as problems (:func:`problems`)."""

    def mark(call: Call) -> Call:
        _ANSWERS[call] = _ANSWERS.get(call, frozenset()) | frozenset(statuses)
        return call

    return mark


@answers(413)
async def raw_body(request: Request) -> bytes:
    """The request body as sent, for a route whose body's format is not the API's (a licence
    request belongs to the licence service): ``Annotated[bytes, Depends(raw_body)]``."""
    return await request.body()


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for problem documents (``application/problem+json``) of these
    statuses, for a route's ``responses=`` where no dependency says it."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
        }
        for status in statuses
    }


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def documented_problems(route: APIRoute) -> set[int]:
    """The problems a route can answer, from what it declares: its dependencies' (signed in:
    401, a role: 403, ...), 404 for a path naming something, 413 for a body."""
    found = {status for call in _calls(route.dependant) for status in _ANSWERS.get(call, ())}
    if route.dependant.path_params:
        found.add(404)
    if route.body_field is not None:
        found.add(413)
    return found


class TransactionalRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        for status, response in problems(*sorted(documented_problems(self))).items():
            self.responses.setdefault(status, response)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except BaseException:
                await _finish(request, commit=False)
                raise
            await _finish(request, commit=True)
            return response

        return handle


async def _finish(request: Request, *, commit: bool) -> None:
    """Commit (or roll back) and close the request's session on the database's own finishing
    threads: if finishing waited for the request thread pool, requests blocked there waiting
    for a pooled connection would starve the very commits that give connections back."""
    session: Session | None = getattr(request.state, SESSION_STATE, None)
    if session is None:
        return
    setattr(request.state, SESSION_STATE, None)
    database: Database = request.app.state.platform.db
    try:
        await asyncio.get_running_loop().run_in_executor(database.finisher, _end, session, commit)
    finally:
        database.request_slots().release()


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


def api_router(**kwargs: Any) -> APIRouter:
    """An APIRouter whose routes run inside the request's transaction."""
    return APIRouter(route_class=TransactionalRoute, **kwargs)


class CrossOriginRoute(TransactionalRoute):
    """A route in the request's transaction that any origin may call (:mod:`marquee.kit.cors`):
    every answer carries :attr:`cors`, refusals included (a refusal that a page may not read
    looks to a player like a network failure)."""

    cors: Headers = cors_headers()

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        cors = dict(self.cors)

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except Exception as exc:
                response = await _error_response(request, exc)
            response.headers.update(cors)
            return response

        return handle


def cross_origin_router(cors: Headers, **kwargs: Any) -> APIRouter:
    """Like :func:`api_router`, for routes whose answers all carry ``cors``; a preflight is
    answered by an ``OPTIONS`` route returning :func:`preflight`."""
    route_class = type("CrossOriginRoute", (CrossOriginRoute,), {"cors": cors})
    return APIRouter(route_class=route_class, **kwargs)


def preflight(allowed: Headers) -> Response:
    """204 to an ``OPTIONS`` preflight, with the methods and headers ``allowed``."""
    return Response(status_code=204, headers=dict(allowed))


async def _error_response(request: Request, exc: Exception) -> Response:
    """What the app's exception handlers (kit.errors) answer to ``exc``."""
    handlers = request.app.exception_handlers
    found = handlers.get(exc.status_code) if isinstance(exc, StarletteHTTPException) else None
    for kind in type(exc).__mro__:
        found = found or handlers.get(kind)
    if found is None:
        raise exc
    answer = found(request, exc)
    response: Response = await answer if inspect.isawaitable(answer) else answer
    return response
