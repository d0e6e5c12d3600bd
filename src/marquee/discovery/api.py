"""Discovery's routes: search, suggestions, browse. ``profile_id`` must be the caller's."""

from __future__ import annotations

import logging
import threading
from typing import Annotated

from fastapi import Depends, Query, Request, Response

from marquee.discovery import browse as rows
from marquee.discovery import service
from marquee.discovery.node import node_for
from marquee.discovery.schemas import Browse, SearchPage, Suggestions
from marquee.identity import service as identity
from marquee.identity.schemas import Profile
from marquee.identity.service import CurrentAccount
from marquee.kit.web import ClientCountry, DbSession, api_router, request_country
from marquee.runtime import Platform

router = api_router(tags=["discovery"])
log = logging.getLogger(__name__)

SearchText = Annotated[str, Query(min_length=1, max_length=200)]


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    _build_if_empty(platform)
    return platform


def _build_if_empty(platform: Platform) -> None:
    """A node whose index is empty (a new API node) builds it in the background at its first
    discovery request, once; until then searches find nothing."""
    node = node_for(platform.settings)
    if node.building or not platform.settings.discovery_reindex_on_start:
        return
    node.building = True
    if node.index.size() == 0:
        threading.Thread(target=_build, args=(platform,), daemon=True, name="reindex").start()


def _build(platform: Platform) -> None:
    with platform.db.transaction() as session:
        count = service.reindex(session, platform.settings)
    log.info("search index built: %d titles", count)


def _profile(me: CurrentAccount, db: DbSession, profile_id: str) -> Profile:
    """The caller's profile ``profile_id`` (404 ``not-found`` when it is another account's)."""
    return identity.get_profile(db, me.account_id, profile_id)


PlatformDep = Annotated[Platform, Depends(_platform)]
ProfileDep = Annotated[Profile, Depends(_profile)]


@router.get("/search")
def search(
    q: SearchText,
    profile: ProfileDep,
    db: DbSession,
    country: ClientCountry,
    platform: PlatformDep,
    page: Annotated[int, Query(ge=1, le=100)] = 1,
) -> SearchPage:
    """Titles matching the words (typos and other languages' stems allowed), best first."""
    languages = [profile.language]
    return service.search(db, platform.settings, q, country, profile.maturity, languages, page)


@router.get("/search/suggest")
def suggest(
    q: SearchText, profile: ProfileDep, db: DbSession, country: ClientCountry, platform: PlatformDep
) -> Suggestions:
    """As-you-type: the last word may be unfinished."""
    return service.suggest(db, platform.settings, q, country, profile.maturity, [profile.language])


@router.get("/browse", response_model=Browse)
def browse(profile_id: str, me: CurrentAccount, db: DbSession, request: Request) -> Response:
    """The profile's rows: Continue Watching, Top 10, Because You Watched, genres, Trending,
    New Releases."""
    # The profile, the country and the rows in one call: each dependency of its own would
    # cost this hot path a hop through the thread pool (the index is not needed here).
    profile = _profile(me, db, profile_id)
    platform: Platform = request.app.state.platform
    country = request_country(request)
    body = rows.browse(db, platform.settings, platform.cache, profile, country, [profile.language])
    return Response(content=body, media_type="application/json")
