"""Recommend's routes: a profile's thumbs, My List and search clicks. ``profile_id`` must be
the caller's (another account's profile answers 404, as an unknown one does)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response, status

from marquee.identity import service as identity
from marquee.identity.service import CurrentAccount
from marquee.kit.web import ClientCountry, DbSession, api_router, problems
from marquee.recommend import signals
from marquee.recommend.schemas import ListItem, SearchClickIn, ThumbIn, ThumbRating

router = api_router(tags=["recommend"])
NO_CONTENT = status.HTTP_204_NO_CONTENT
Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.put("/profiles/{profile_id}/ratings/{title_id}", responses=problems(404))
def rate(
    profile_id: Id,
    title_id: Id,
    form: ThumbIn,
    me: CurrentAccount,
    session: DbSession,
    country: ClientCountry,
) -> ThumbRating:
    """Rate a title thumbs up or down for the profile (replacing its earlier thumb)."""
    profile = identity.get_profile(session, account_id=me.account_id, profile_id=profile_id)
    return signals.rate(
        session, profile=profile, title_id=title_id, thumb=form.thumb, territory=country
    )


@router.get(
    "/profiles/{profile_id}/ratings/{title_id}",
    responses={
        200: {"model": ThumbRating},
        204: {"description": "No thumb given"},
        **problems(404),
    },
)
def get_rating(profile_id: Id, title_id: Id, me: CurrentAccount, session: DbSession) -> Response:
    """The profile's thumb on the title; 204 when it has none."""
    identity.get_profile(session, account_id=me.account_id, profile_id=profile_id)
    found = signals.rating(session, profile_id=profile_id, title_id=title_id)
    if found is None:
        return Response(status_code=NO_CONTENT)
    return Response(content=found.model_dump_json(), media_type="application/json")


@router.delete(
    "/profiles/{profile_id}/ratings/{title_id}", status_code=NO_CONTENT, responses=problems(404)
)
def clear_rating(profile_id: Id, title_id: Id, me: CurrentAccount, session: DbSession) -> None:
    """Take the profile's thumb off the title (204 whether it had one or not)."""
    identity.get_profile(session, account_id=me.account_id, profile_id=profile_id)
    signals.clear_rating(session, profile_id=profile_id, title_id=title_id)


@router.get("/profiles/{profile_id}/list", responses=problems(404))
def my_list(
    profile_id: Id, me: CurrentAccount, session: DbSession, country: ClientCountry
) -> list[ListItem]:
    """The profile's My List, latest added first: the titles it may see here now."""
    profile = identity.get_profile(session, account_id=me.account_id, profile_id=profile_id)
    return signals.my_list(
        session, profile=profile, territory=country, languages=[profile.language]
    )


@router.put(
    "/profiles/{profile_id}/list/{title_id}", status_code=NO_CONTENT, responses=problems(404)
)
def add_to_list(
    profile_id: Id, title_id: Id, me: CurrentAccount, session: DbSession, country: ClientCountry
) -> None:
    """Put a title on the profile's My List (again: no change)."""
    profile = identity.get_profile(session, account_id=me.account_id, profile_id=profile_id)
    signals.add_to_list(session, profile=profile, title_id=title_id, territory=country)


@router.delete(
    "/profiles/{profile_id}/list/{title_id}", status_code=NO_CONTENT, responses=problems(404)
)
def remove_from_list(profile_id: Id, title_id: Id, me: CurrentAccount, session: DbSession) -> None:
    """Take a title off the profile's My List (204 whether it was on it or not)."""
    identity.get_profile(session, account_id=me.account_id, profile_id=profile_id)
    signals.remove_from_list(session, profile_id=profile_id, title_id=title_id)


@router.post(
    "/profiles/{profile_id}/search-clicks", status_code=NO_CONTENT, responses=problems(404)
)
def record_search_click(
    profile_id: Id,
    form: SearchClickIn,
    me: CurrentAccount,
    session: DbSession,
    country: ClientCountry,
) -> None:
    """The profile opened a title from search results or suggestions: a signal its
    recommendations take in at once (weaker than a play)."""
    profile = identity.get_profile(session, account_id=me.account_id, profile_id=profile_id)
    signals.record_search_click(session, profile=profile, title_id=form.title_id, territory=country)
