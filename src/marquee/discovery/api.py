"""Discovery's routes: search, suggestions, browse. ``profile_id`` must be the caller's."""

from __future__ import annotations

import asyncio
import logging
import threading
from functools import partial
from typing import Annotated

from fastapi import Query, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from marquee.discovery import browse as rows
from marquee.discovery import service
from marquee.discovery.node import Node, node_for
from marquee.discovery.schemas import Browse, SearchPage, Suggestions
from marquee.experiments import service as experiments
from marquee.experiments.service import BROWSE_KNOBS
from marquee.identity import service as identity
from marquee.identity.schemas import Caller, Profile
from marquee.identity.service import CurrentCaller
from marquee.kit.plumbing import Plumbing
from marquee.kit.web import api_router, problems, request_country, request_session

router = api_router(tags=["discovery"])
log = logging.getLogger(__name__)

SearchText = Annotated[str, Query(min_length=1, max_length=200)]
BUILDS_STATE = "discovery_builds"


def _platform(request: Request) -> Plumbing:
    platform: Plumbing = request.app.state.platform
    _build_if_empty(platform)
    return platform


def _build_if_empty(platform: Plumbing) -> None:
    """A node whose index is empty (a new API node) builds it in the background at its first
    discovery request, once; until then searches find nothing."""
    node = node_for(platform.settings)
    if node.building or not platform.settings.discovery_reindex_on_start:
        return
    node.building = True
    if node.index.size() == 0:
        threading.Thread(target=_build, args=(platform,), daemon=True, name="reindex").start()


def _build(platform: Plumbing) -> None:
    with platform.db.transaction() as session:
        count = service.reindex(session, settings=platform.settings)
    log.info("search index built: %d titles", count)


@router.get("/search", response_model=SearchPage, responses=problems(404))
async def search(
    *,
    q: SearchText,
    page: Annotated[int, Query(ge=1, le=100)] = 1,
    profile_id: str,
    me: CurrentCaller,
    request: Request,
) -> Response:
    """Titles matching the words (typos and other languages' stems allowed), best first."""
    return await _answer(request, me, profile_id, q, page)


@router.get("/search/suggest", response_model=Suggestions, responses=problems(404))
async def suggest(
    *, q: SearchText, profile_id: str, me: CurrentCaller, request: Request
) -> Response:
    """As-you-type: the last word may be unfinished."""
    return await _answer(request, me, profile_id, q, None)


async def _answer(
    request: Request, me: Caller, profile_id: str, text: str, page: int | None
) -> Response:
    """A page of results (suggestions when ``page`` is None), with one thread-pool hop: the
    caller is checked and the profile recalled from the cache on the event loop (see
    :func:`browse`). When the node holds the viewer's visible set and the play counts, the
    search needs no database session. (Run on the event loop instead, searches served fewer a
    second at 32 connections, and some waited over 2 s: each held up the reading of the
    others.)"""
    platform = _platform(request)
    country = request_country(request)
    known = _recall(platform, me, profile_id)
    node = node_for(platform.settings)
    if known is not None:
        memory = service.in_memory(node, territory=country, maturity=known.maturity)
        if memory is not None:
            found = await run_in_threadpool(
                _found, platform, node, memory, known, country, text, page
            )
            return _json(found)
    session = await request_session(request)
    found = await run_in_threadpool(
        _results, session, platform, me, profile_id, known, country, text, page
    )
    return _json(found)


def _results(
    session: Session,
    platform: Plumbing,
    me: Caller,
    profile_id: str,
    known: Profile | None,
    country: str,
    text: str,
    page: int | None,
) -> bytes:
    """:func:`_answer`'s work: the profile (read unless ``known``; 404 when it is another
    account's), then the results as JSON."""
    profile = _profile(session, platform, me, profile_id, known)
    node = node_for(platform.settings)
    memory = service.known(node, session, territory=country, maturity=profile.maturity)
    return _found(platform, node, memory, profile, country, text, page)


def _found(
    platform: Plumbing,
    node: Node,
    memory: service.Known,
    profile: Profile,
    country: str,
    text: str,
    page: int | None,
) -> bytes:
    """The results as JSON, from what the node knows (no database I/O)."""
    results = service.suggest if page is None else partial(service.search, page=page)
    return results(
        node,
        memory,
        settings=platform.settings,
        text=text,
        territory=country,
        languages=[profile.language],
    )


def _recall(platform: Plumbing, me: Caller, profile_id: str) -> Profile | None:
    """The caller's profile from the cache, without database I/O (None when not there)."""
    return identity.recall_profile(platform.cache, account_id=me.account_id, profile_id=profile_id)


def _profile(
    session: Session, platform: Plumbing, me: Caller, profile_id: str, known: Profile | None
) -> Profile:
    """The caller's profile ``profile_id``: ``known`` (recalled), else read and remembered
    (404 ``not-found`` when it is another account's)."""
    return known or identity.load_profile(
        session, cache=platform.cache, account_id=me.account_id, profile_id=profile_id
    )


@router.get("/browse", response_model=Browse, responses=problems(404))
async def browse(profile_id: str, me: CurrentCaller, request: Request) -> Response:
    """The profile's rows: Continue Watching, Top 10, Because You Watched, genres, Trending,
    New Releases."""
    # Cached rows go out from the event loop with no database read and no thread-pool hop:
    # this is the home screen's request, the busiest of all.
    platform: Plumbing = request.app.state.platform
    country = request_country(request)
    key = (me.account_id, profile_id, country)
    builds = _builds(request)
    while True:
        profile = _recall(platform, me, profile_id)
        if profile is not None and not experiments.knobs_in_play(platform, names=BROWSE_KNOBS):
            languages = [profile.language]
            found = rows.cached(platform.cache, platform.settings, profile, country, languages)
            if found is not None:
                return _json(found)
        if (building := builds.get(key)) is None:
            break
        await building.wait()
    builds[key] = done = asyncio.Event()
    try:
        session = await request_session(request)
        built = await run_in_threadpool(
            _build_rows, session, platform, me, profile_id, profile, country
        )
    finally:
        del builds[key]
        done.set()
    return _json(built)


def _builds(request: Request) -> dict[tuple[str, str, str], asyncio.Event]:
    """The rows this app is building, per (account, profile, country), each set when done.

    A request missing rows already being built waits for them and then finds them cached (or,
    when that build failed, builds them itself). Each built them again before: after a model
    swap or a catalog change, the busiest profiles' rows were built by every request that
    missed them during the first build, and those builds took the CPU of cached answers."""
    state = request.app.state
    found: dict[tuple[str, str, str], asyncio.Event] | None = getattr(state, BUILDS_STATE, None)
    if found is None:
        found = {}
        setattr(state, BUILDS_STATE, found)
    return found


def _build_rows(
    session: Session,
    platform: Plumbing,
    me: Caller,
    profile_id: str,
    known: Profile | None,
    country: str,
) -> bytes:
    """The rows built for the profile, read first unless already ``known``, with its variants
    of the experiments turning browse's knobs (their exposures recorded when rows are built)."""
    profile = _profile(session, platform, me, profile_id, known)
    knobs = experiments.knobs_for(
        session,
        platform,
        account_id=me.account_id,
        profile_id=profile.id,
        country=country,
        names=BROWSE_KNOBS,
    )
    return rows.browse(
        session,
        settings=platform.settings,
        cache=platform.cache,
        profile=profile,
        territory=country,
        languages=[profile.language],
        knobs=knobs,
        exposed=partial(_exposed, session, platform),
    )


def _exposed(session: Session, platform: Plumbing, knobs: experiments.Knobs) -> None:
    experiments.use_knobs(session, platform, knobs=knobs, names=BROWSE_KNOBS)


def _json(body: bytes) -> Response:
    return Response(content=body, media_type="application/json")
