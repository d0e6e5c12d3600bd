"""HTTP API of the catalog: what viewers may browse (``/titles``) and the studio (``/studio``).

Viewers need a signed-in account with a profile chosen: the profile's maturity filters what is
shown, its language (then ``Accept-Language``) localizes it, and the caller's address gives
the territory whose licence windows and ratings apply.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Form, Query, UploadFile, status
from fastapi.responses import StreamingResponse

from marquee.catalog import assets, service, tus
from marquee.catalog import schemas as s
from marquee.catalog.dependencies import Editor, SettingsDep, StorageDep, ViewerDep
from marquee.catalog.errors import UploadTooLarge
from marquee.catalog.studio import (
    artwork,
    episodes,
    localizations,
    people,
    publishing,
    ratings,
    titles,
    windows,
)
from marquee.catalog.studio.audit import audit_log
from marquee.catalog.views import artwork_out, studio_view, window_out
from marquee.identity.schemas import LanguageTag
from marquee.kit.web import DbSession, api_router, at_most, problems

router = api_router(tags=["catalog"])
studio_router = api_router(prefix="/studio", tags=["studio"])
NO_CONTENT = status.HTTP_204_NO_CONTENT
CREATED = status.HTTP_201_CREATED


# --- viewers ---------------------------------------------------------------------------------


@router.get("/titles")
def list_titles(
    session: DbSession,
    viewer: ViewerDep,
    settings: SettingsDep,
    genre: Annotated[str | None, Query(max_length=80)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> s.TitlePage:
    """What the viewer may watch here and now, newest first; ``genre`` is a name or its slug."""
    return service.list_titles(
        session,
        territory=viewer.territory,
        maturity=viewer.maturity,
        languages=viewer.languages,
        genre=genre,
        page=page,
        page_size=settings.catalog_page_size,
    )


@router.get("/titles/{title_id}")
def get_title(title_id: str, session: DbSession, viewer: ViewerDep) -> s.TitleView:
    """One title with its seasons and episodes; 404 alike for unknown and not available."""
    return service.get_title(
        session,
        title_id=title_id,
        territory=viewer.territory,
        maturity=viewer.maturity,
        languages=viewer.languages,
    )


@router.get("/artwork/{artwork_id}", response_class=StreamingResponse)
def get_artwork(artwork_id: str, session: DbSession, storage: StorageDep) -> StreamingResponse:
    """An image (public, cacheable: image tags send no credentials)."""
    key, content_type = service.artwork_object(session, artwork_id=artwork_id)
    return StreamingResponse(
        storage.get(key),
        media_type=content_type,
        headers={"Cache-Control": "public, max-age=3600"},
    )


# --- studio: titles --------------------------------------------------------------------------


@studio_router.get("/titles", responses=problems(404))
def studio_titles(
    session: DbSession,
    _editor: Editor,
    settings: SettingsDep,
    status_: Annotated[s.Status | None, Query(alias="status")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Part of the title")] = None,
    page: Annotated[int, Query(ge=1), at_most(10_000)] = 1,
) -> s.StudioTitlePage:
    size = settings.catalog_page_size
    rows, total = titles.list_titles(
        session, status=status_, search=q, limit=size, offset=(page - 1) * size
    )
    items = assets.summaries(session, titles=rows)
    return s.StudioTitlePage(items=items, page=page, page_size=size, total=total)


@studio_router.post("/titles", status_code=CREATED, responses=problems(404))
def create_title(data: s.TitleCreate, session: DbSession, editor: Editor) -> s.StudioTitle:
    title = titles.create_title(session, actor=editor, data=data)
    return studio_view(session, title_id=title.id)


@studio_router.get("/titles/{title_id}")
def studio_title(title_id: str, session: DbSession, _editor: Editor) -> s.StudioTitle:
    return studio_view(session, title_id=title_id)


@studio_router.patch("/titles/{title_id}")
def update_title(
    title_id: str, data: s.TitleUpdate, session: DbSession, editor: Editor
) -> s.StudioTitle:
    titles.update_title(session, actor=editor, title_id=title_id, data=data)
    return studio_view(session, title_id=title_id)


@studio_router.put("/titles/{title_id}/localizations/{language}")
def set_localization(
    title_id: str, language: LanguageTag, text: s.LocalizedText, session: DbSession, editor: Editor
) -> s.StudioTitle:
    localizations.set_localization(
        session, actor=editor, title_id=title_id, language=language, text=text
    )
    return studio_view(session, title_id=title_id)


@studio_router.delete("/titles/{title_id}/localizations/{language}", status_code=NO_CONTENT)
def delete_localization(
    title_id: str, language: LanguageTag, session: DbSession, editor: Editor
) -> None:
    localizations.delete_localization(session, actor=editor, title_id=title_id, language=language)


@studio_router.post("/titles/{title_id}/publish", responses=problems(409))
def publish(title_id: str, session: DbSession, editor: Editor) -> s.StudioTitle:
    publishing.publish_title(session, actor=editor, title_id=title_id)
    return studio_view(session, title_id=title_id)


@studio_router.post("/titles/{title_id}/unpublish", responses=problems(409))
def unpublish(title_id: str, session: DbSession, editor: Editor) -> s.StudioTitle:
    publishing.unpublish_title(session, actor=editor, title_id=title_id)
    return studio_view(session, title_id=title_id)


@studio_router.post("/titles/{title_id}/retire", responses=problems(409))
def retire(title_id: str, session: DbSession, editor: Editor) -> s.StudioTitle:
    publishing.retire_title(session, actor=editor, title_id=title_id)
    return studio_view(session, title_id=title_id)


@studio_router.get("/titles/{title_id}/audit")
def audit(title_id: str, session: DbSession, _editor: Editor) -> list[s.AuditEntry]:
    """Who changed what and when, newest first."""
    return audit_log(session, title_id=title_id)


# --- studio: seasons and episodes ------------------------------------------------------------


@studio_router.post("/titles/{title_id}/seasons", status_code=CREATED, responses=problems(409))
def add_season(
    title_id: str, data: s.SeasonCreate, session: DbSession, editor: Editor
) -> s.StudioTitle:
    episodes.add_season(session, actor=editor, title_id=title_id, data=data)
    return studio_view(session, title_id=title_id)


@studio_router.patch("/seasons/{season_id}")
def update_season(
    season_id: str, data: s.SeasonUpdate, session: DbSession, editor: Editor
) -> s.StudioTitle:
    season = episodes.update_season(session, actor=editor, season_id=season_id, data=data)
    return studio_view(session, title_id=season.title_id)


@studio_router.post("/seasons/{season_id}/episodes", status_code=CREATED, responses=problems(409))
def add_episode(
    season_id: str, data: s.EpisodeCreate, session: DbSession, editor: Editor
) -> s.StudioTitle:
    episode = episodes.add_episode(session, actor=editor, season_id=season_id, data=data)
    return studio_view(session, title_id=episode.title_id)


@studio_router.patch("/episodes/{episode_id}")
def update_episode(
    episode_id: str, data: s.EpisodeUpdate, session: DbSession, editor: Editor
) -> s.StudioTitle:
    episode = episodes.update_episode(session, actor=editor, episode_id=episode_id, data=data)
    return studio_view(session, title_id=episode.title_id)


@studio_router.put("/titles/{title_id}/episodes/{episode_id}/localizations/{language}")
def set_episode_localization(
    title_id: str,
    episode_id: str,
    language: LanguageTag,
    text: s.LocalizedText,
    session: DbSession,
    editor: Editor,
) -> s.StudioTitle:
    localizations.set_localization(
        session,
        actor=editor,
        title_id=title_id,
        language=language,
        text=text,
        episode_id=episode_id,
    )
    return studio_view(session, title_id=title_id)


# --- studio: people, credits, ratings, windows, artwork --------------------------------------


@studio_router.get("/people")
def find_people(
    session: DbSession, _editor: Editor, q: Annotated[str, Query(min_length=1, max_length=100)]
) -> list[s.Person]:
    return [s.Person.model_validate(p) for p in people.find_people(session, search=q)]


@studio_router.post("/people", status_code=CREATED, responses=problems(404))
def create_person(data: s.PersonCreate, session: DbSession, editor: Editor) -> s.Person:
    return s.Person.model_validate(people.create_person(session, actor=editor, name=data.name))


@studio_router.patch("/people/{person_id}")
def rename_person(
    person_id: str, data: s.PersonCreate, session: DbSession, editor: Editor
) -> s.Person:
    return s.Person.model_validate(
        people.rename_person(session, actor=editor, person_id=person_id, name=data.name)
    )


@studio_router.put("/titles/{title_id}/credits")
def set_credits(
    title_id: str, credits: list[s.CreditIn], session: DbSession, editor: Editor
) -> list[s.Credit]:
    """Replace the cast and crew, in billing order."""
    return people.set_credits(session, actor=editor, title_id=title_id, credits=credits)


@studio_router.put("/titles/{title_id}/ratings/{territory}")
def set_rating(
    title_id: str,
    territory: str,
    data: s.RatingIn,
    session: DbSession,
    editor: Editor,
    settings: SettingsDep,
) -> s.Rating:
    """Rate the title in a territory (ISO code) or by default (``*``)."""
    return ratings.set_rating(
        session, settings=settings, actor=editor, title_id=title_id, territory=territory, data=data
    )


@studio_router.delete("/titles/{title_id}/ratings/{territory}", status_code=NO_CONTENT)
def delete_rating(title_id: str, territory: str, session: DbSession, editor: Editor) -> None:
    ratings.delete_rating(session, actor=editor, title_id=title_id, territory=territory)


@studio_router.post("/titles/{title_id}/windows", status_code=CREATED)
def add_window(
    title_id: str, data: s.WindowIn, session: DbSession, editor: Editor, settings: SettingsDep
) -> s.Window:
    return window_out(
        windows.add_window(session, settings=settings, actor=editor, title_id=title_id, data=data)
    )


@studio_router.put("/windows/{window_id}")
def replace_window(
    window_id: str, data: s.WindowIn, session: DbSession, editor: Editor, settings: SettingsDep
) -> s.Window:
    return window_out(
        windows.replace_window(
            session, settings=settings, actor=editor, window_id=window_id, data=data
        )
    )


@studio_router.delete("/windows/{window_id}", status_code=NO_CONTENT)
def delete_window(window_id: str, session: DbSession, editor: Editor) -> None:
    windows.delete_window(session, actor=editor, window_id=window_id)


@studio_router.get("/reports/expiring-windows")
def expiring_windows(
    session: DbSession, _editor: Editor, days: Annotated[int, Query(ge=1, le=3650)] = 30
) -> list[s.ExpiringWindow]:
    """Licence windows that end within ``days`` days, soonest first."""
    return windows.expiring_windows(session, days=days)


@studio_router.post("/titles/{title_id}/artwork", status_code=CREATED)
def add_artwork(
    title_id: str,
    kind: Annotated[s.ArtworkKind, Form()],
    file: Annotated[UploadFile, File(description="PNG, JPEG or WebP")],
    session: DbSession,
    editor: Editor,
    settings: SettingsDep,
    storage: StorageDep,
    language: Annotated[str, Form(description="BCP 47 tag; empty for the neutral image")] = "",
    variant: Annotated[
        str,
        Form(
            max_length=32,
            pattern=r"^([a-z0-9][a-z0-9_.-]*)?$",
            description="empty for the image everyone sees; a name for an alternate that an "
            'experiment\'s variant with parameters {"artwork": name} shows',
        ),
    ] = "",
) -> s.Artwork:
    """Set the title's poster, backdrop or logo for a language (replacing the one there)."""
    data = file.file.read(settings.catalog_artwork_max_bytes + 1)
    if len(data) > settings.catalog_artwork_max_bytes:
        raise UploadTooLarge(f"Artwork is limited to {settings.catalog_artwork_max_bytes} bytes.")
    tag = artwork.artwork_language(language)
    row = artwork.add_artwork(
        session,
        storage=storage,
        actor=editor,
        title_id=title_id,
        kind=kind,
        language=tag,
        data=data,
        max_pixels=settings.catalog_artwork_max_pixels,
        variant=variant,
    )
    return artwork_out(row)


@studio_router.delete("/artwork/{artwork_id}", status_code=NO_CONTENT)
def delete_artwork(
    artwork_id: str, session: DbSession, editor: Editor, storage: StorageDep
) -> None:
    artwork.delete_artwork(session, storage=storage, actor=editor, artwork_id=artwork_id)


# --- studio: uploads and ingests -------------------------------------------------------------


@studio_router.post("/titles/{title_id}/ingests", status_code=CREATED, responses=problems(409))
def start_ingest(
    title_id: str, data: s.IngestStart, session: DbSession, editor: Editor, storage: StorageDep
) -> s.Ingest:
    """Send a finished upload through the media pipeline for the title or an episode."""
    return assets.start_ingest(session, storage=storage, actor=editor, title_id=title_id, data=data)


@studio_router.get("/titles/{title_id}/ingests")
def list_ingests(title_id: str, session: DbSession, _editor: Editor) -> list[s.Ingest]:
    """The title's ingests with the pipeline's status of each (follow ``/media/assets/{id}``)."""
    return assets.ingests(session, title_id=title_id)


@studio_router.post(
    "/titles/{title_id}/ingests/{asset_id}/retry", status_code=CREATED, responses=problems(409)
)
def retry_ingest(
    title_id: str, asset_id: str, session: DbSession, editor: Editor, storage: StorageDep
) -> s.Ingest:
    """Send a failed ingest's upload through the pipeline again (once: a repeat answers it)."""
    return assets.retry_ingest(
        session, storage=storage, actor=editor, title_id=title_id, asset_id=asset_id
    )


studio_router.include_router(tus.router)
router.include_router(studio_router)
