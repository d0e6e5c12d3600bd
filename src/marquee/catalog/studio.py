"""Editing the catalog (the studio): every change is audited, and a change to a published title
publishes ``catalog.title_updated`` so that search and browse can refresh what they show.

``actor`` is the account id of the editor, or a name such as ``import`` or ``media`` for
changes the platform makes on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.errors import Invalid, StatusConflict
from marquee.catalog.models import (
    DRAFT,
    PUBLISHED,
    RETIRED,
    SERIES,
    Artwork,
    AuditEntry,
    Credit,
    Episode,
    Localization,
    Person,
    Rating,
    Season,
    Title,
    TitleGenre,
    Window,
    WindowTerritory,
)
from marquee.catalog.ratings import (
    DEFAULT_SYSTEM,
    DEFAULT_TERRITORY,
    UnknownRating,
    maturity_of,
    normalise,
    rank,
)
from marquee.catalog.service import artwork_out, credits_of, genre_slug, rating_out
from marquee.catalog.territories import COUNTRY_NAMES, expand
from marquee.identity.schemas import language_tag
from marquee.kit.db import after_commit, new_id, utcnow
from marquee.kit.errors import Conflict, NotFound
from marquee.kit.events import publish
from marquee.kit.storage import ObjectStore
from marquee.settings import Settings

TITLE_PUBLISHED = "catalog.title_published"
TITLE_UPDATED = "catalog.title_updated"
TITLE_UNPUBLISHED = "catalog.title_unpublished"
T = TypeVar("T")
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


# --- audit and change notification -----------------------------------------------------------


def record(
    session: Session,
    actor: str,
    title_id: str | None,
    entity: str,
    entity_id: str,
    action: str,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Add an audit entry in the caller's transaction."""
    entry = AuditEntry(
        title_id=title_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor_id=actor,
        changes=dict(changes or {}),
    )
    session.add(entry)


def touched(session: Session, title: Title) -> None:
    """The title changed: bump ``updated_at``, and tell other domains if viewers can see it."""
    title.updated_at = utcnow()
    if title.status == PUBLISHED:
        publish(session, TITLE_UPDATED, {"title_id": title.id})


def _diff(target: object, values: Mapping[str, Any]) -> dict[str, Any]:
    """Apply ``values`` to ``target``; the fields that changed as {field: {from, to}}."""
    changes = {}
    for field, value in values.items():
        old = getattr(target, field)
        if old != value:
            setattr(target, field, value)
            changes[field] = {"from": old, "to": value}
    return changes


def title_or_404(session: Session, title_id: str) -> Title:
    title = session.get(Title, title_id)
    if title is None:
        raise NotFound(f"no title {title_id}")
    return title


def _get(session: Session, model: type[T], entity_id: str, what: str) -> T:
    found = session.get(model, entity_id)
    if found is None:
        raise NotFound(f"no {what} {entity_id}")
    return found


# --- titles ----------------------------------------------------------------------------------


def create_title(
    session: Session, actor: str, data: schemas.TitleCreate, *, external_key: str | None = None
) -> Title:
    title = Title(
        kind=data.kind,
        external_key=external_key,
        original_title=data.original_title,
        original_language=data.original_language,
        synopsis=data.synopsis,
        release_year=data.release_year,
        runtime_s=data.runtime_s,
        production_countries=data.production_countries,
        tags=data.tags,
        status=DRAFT,
        audio_languages=[],
        subtitle_languages=[],
    )
    session.add(title)
    _set_genres(title, data.genres)
    session.flush()
    for language, text in data.localizations.items():
        _put_text(session, title.id, language, text)
    record(
        session, actor, title.id, "title", title.id, "title.created", data.model_dump(mode="json")
    )
    return title


def update_title(session: Session, actor: str, title_id: str, data: schemas.TitleUpdate) -> Title:
    title = title_or_404(session, title_id)
    values = data.model_dump(exclude_unset=True, exclude={"genres"})
    changes = _diff(title, values)
    if data.genres is not None and data.genres != [g.label for g in title.genres]:
        changes["genres"] = {"from": [g.label for g in title.genres], "to": data.genres}
        _set_genres(title, data.genres)
    if changes:
        record(session, actor, title.id, "title", title.id, "title.updated", changes)
        touched(session, title)
    return title


def _set_genres(title: Title, labels: Sequence[str]) -> None:
    """Genres in the order given; labels with the same slug count once (the first wins)."""
    first: dict[str, str] = {}
    for label in labels:
        if slug := genre_slug(label):
            first.setdefault(slug, label.strip())
    title.genres = [
        TitleGenre(slug=slug, label=label, position=i)
        for i, (slug, label) in enumerate(first.items())
    ]


def _put_text(session: Session, entity_id: str, language: str, text: schemas.LocalizedText) -> None:
    found = session.scalar(
        select(Localization).where(
            Localization.entity_id == entity_id, Localization.language == language
        )
    )
    if found is None:
        session.add(
            Localization(
                entity_id=entity_id, language=language, title=text.title, synopsis=text.synopsis
            )
        )
    else:
        found.title, found.synopsis = text.title, text.synopsis


def set_localization(
    session: Session,
    actor: str,
    title_id: str,
    language: str,
    text: schemas.LocalizedText,
    *,
    episode_id: str | None = None,
) -> None:
    """Set the title's (or one episode's) title and synopsis in ``language``."""
    title = title_or_404(session, title_id)
    entity_id = _episode_of(session, title, episode_id).id if episode_id else title.id
    _put_text(session, entity_id, language, text)
    changes = {"language": language, **text.model_dump()}
    entity = "episode" if episode_id else "title"
    record(session, actor, title.id, entity, entity_id, "localization.set", changes)
    touched(session, title)


def delete_localization(
    session: Session, actor: str, title_id: str, language: str, *, episode_id: str | None = None
) -> None:
    title = title_or_404(session, title_id)
    entity_id = _episode_of(session, title, episode_id).id if episode_id else title.id
    removed = session.execute(
        delete(Localization).where(
            Localization.entity_id == entity_id, Localization.language == language
        )
    )
    if not removed.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"no {language} text")
    entity = "episode" if episode_id else "title"
    record(
        session, actor, title.id, entity, entity_id, "localization.deleted", {"language": language}
    )
    touched(session, title)


# --- seasons and episodes --------------------------------------------------------------------


def add_season(session: Session, actor: str, title_id: str, data: schemas.SeasonCreate) -> Season:
    title = title_or_404(session, title_id)
    if title.kind != SERIES:
        raise Invalid("Only a series has seasons.")
    if any(s.number == data.number for s in repo.seasons(session, title_id)):
        raise Conflict(f"season {data.number} exists already")
    season = Season(title_id=title.id, number=data.number, synopsis=data.synopsis)
    session.add(season)
    session.flush()
    record(session, actor, title.id, "season", season.id, "season.created", data.model_dump())
    touched(session, title)
    return season


def update_season(
    session: Session, actor: str, season_id: str, data: schemas.SeasonUpdate
) -> Season:
    season = _get(session, Season, season_id, "season")
    changes = _diff(season, data.model_dump())
    if changes:
        record(session, actor, season.title_id, "season", season.id, "season.updated", changes)
        touched(session, title_or_404(session, season.title_id))
    return season


def add_episode(
    session: Session, actor: str, season_id: str, data: schemas.EpisodeCreate
) -> Episode:
    season = _get(session, Season, season_id, "season")
    taken = session.scalar(
        select(Episode.id).where(Episode.season_id == season.id, Episode.number == data.number)
    )
    if taken is not None:
        raise Conflict(f"episode {data.number} of season {season.number} exists already")
    episode = Episode(
        title_id=season.title_id,
        season_id=season.id,
        number=data.number,
        original_title=data.original_title,
        synopsis=data.synopsis,
        runtime_s=data.runtime_s,
        audio_languages=[],
        subtitle_languages=[],
    )
    session.add(episode)
    session.flush()
    for language, text in data.localizations.items():
        _put_text(session, episode.id, language, text)
    changes = data.model_dump(mode="json")
    record(session, actor, season.title_id, "episode", episode.id, "episode.created", changes)
    touched(session, title_or_404(session, season.title_id))
    return episode


def update_episode(
    session: Session, actor: str, episode_id: str, data: schemas.EpisodeUpdate
) -> Episode:
    episode = _get(session, Episode, episode_id, "episode")
    changes = _diff(episode, data.model_dump(exclude_unset=True))
    if changes:
        record(session, actor, episode.title_id, "episode", episode.id, "episode.updated", changes)
        touched(session, title_or_404(session, episode.title_id))
    return episode


def _episode_of(session: Session, title: Title, episode_id: str) -> Episode:
    episode = session.get(Episode, episode_id)
    if episode is None or episode.title_id != title.id:
        raise NotFound(f"no episode {episode_id} in title {title.id}")
    return episode


# --- people and credits ----------------------------------------------------------------------


def create_person(
    session: Session, actor: str, name: str, *, external_key: str | None = None
) -> Person:
    person = Person(name=name.strip(), external_key=external_key)
    session.add(person)
    session.flush()
    record(session, actor, None, "person", person.id, "person.created", {"name": person.name})
    return person


def rename_person(session: Session, actor: str, person_id: str, name: str) -> Person:
    person = _get(session, Person, person_id, "person")
    changes = _diff(person, {"name": name.strip()})
    if changes:
        record(session, actor, None, "person", person.id, "person.updated", changes)
    return person


def set_credits(
    session: Session, actor: str, title_id: str, credits: Sequence[schemas.CreditIn]
) -> list[schemas.Credit]:
    """Replace the title's cast and crew, in billing order."""
    title = title_or_404(session, title_id)
    people = {c.person_id for c in credits}
    known = set(session.scalars(select(Person.id).where(Person.id.in_(people))))
    if missing := people - known:
        raise Invalid(f"unknown people: {', '.join(sorted(missing))}")
    before = [c.model_dump() for c in credits_of(session, title_id)]
    session.execute(delete(Credit).where(Credit.title_id == title.id))
    for position, credit in enumerate(credits):
        session.add(Credit(title_id=title.id, position=position, **credit.model_dump()))
    session.flush()
    after = credits_of(session, title_id)
    changes = {"from": before, "to": [c.model_dump() for c in after]}
    record(session, actor, title.id, "title", title.id, "credits.set", changes)
    touched(session, title)
    return after


# --- ratings ---------------------------------------------------------------------------------


def set_rating(
    session: Session,
    settings: Settings,
    actor: str,
    title_id: str,
    territory: str,
    data: schemas.RatingIn,
) -> schemas.Rating:
    """Rate the title in ``territory`` (ISO code, or ``*`` for its default rating)."""
    title = title_or_404(session, title_id)
    territory, system, value = rating_values(settings, territory, data)
    row = session.scalar(
        select(Rating).where(Rating.title_id == title.id, Rating.territory == territory)
    )
    if row is None:
        row = Rating(title_id=title.id, territory=territory)
        session.add(row)
    row.system, row.value = system, value
    row.maturity_rank = rank(maturity_of(system, value))
    session.flush()
    out = rating_out(row)
    record(session, actor, title.id, "rating", row.id, "rating.set", out.model_dump())
    touched(session, title)
    return out


def delete_rating(session: Session, actor: str, title_id: str, territory: str) -> None:
    title = title_or_404(session, title_id)
    territory = _rating_territory(territory)
    row = session.scalar(
        select(Rating).where(Rating.title_id == title.id, Rating.territory == territory)
    )
    if row is None:
        raise NotFound(f"no rating for {territory}")
    session.delete(row)
    record(session, actor, title.id, "rating", row.id, "rating.deleted", {"territory": territory})
    touched(session, title)


def rating_values(
    settings: Settings, territory: str, data: schemas.RatingIn
) -> tuple[str, str, str]:
    """Canonical ``(territory, system, value)``; the system defaults to the territory's own."""
    territory = _rating_territory(territory)
    try:
        system, value = normalise(data.system or _default_system(settings, territory), data.value)
    except UnknownRating as exc:
        raise Invalid(str(exc)) from None
    return territory, system, value


def _rating_territory(territory: str) -> str:
    territory = territory.strip().upper()
    if territory != DEFAULT_TERRITORY and territory not in COUNTRY_NAMES:
        raise Invalid(f"{territory!r} is not an ISO 3166-1 alpha-2 code or *")
    return territory


def _default_system(settings: Settings, territory: str) -> str:
    if territory == DEFAULT_TERRITORY:
        return DEFAULT_SYSTEM
    system = settings.catalog_rating_systems.get(territory)
    if system is None:
        raise Invalid(f"name the rating system: {territory} has no default one")
    return system


# --- licence windows -------------------------------------------------------------------------


def add_window(
    session: Session, settings: Settings, actor: str, title_id: str, data: schemas.WindowIn
) -> Window:
    title = title_or_404(session, title_id)
    window = Window(title_id=title.id)
    _fill_window(settings.catalog_regions, window, data)
    session.add(window)
    session.flush()
    record(
        session,
        actor,
        title.id,
        "window",
        window.id,
        "window.created",
        data.model_dump(mode="json"),
    )
    touched(session, title)
    return window


def replace_window(
    session: Session, settings: Settings, actor: str, window_id: str, data: schemas.WindowIn
) -> Window:
    window = _get(session, Window, window_id, "window")
    before = window_out(window).model_dump(mode="json", exclude={"id", "title_id", "countries"})
    _fill_window(settings.catalog_regions, window, data)
    session.flush()
    changes = {"from": before, "to": data.model_dump(mode="json")}
    record(session, actor, window.title_id, "window", window.id, "window.updated", changes)
    touched(session, title_or_404(session, window.title_id))
    return window


def delete_window(session: Session, actor: str, window_id: str) -> None:
    window = _get(session, Window, window_id, "window")
    before = window_out(window).model_dump(mode="json")
    session.delete(window)
    record(session, actor, window.title_id, "window", window.id, "window.deleted", before)
    touched(session, title_or_404(session, window.title_id))


def _fill_window(regions: dict[str, str], window: Window, data: schemas.WindowIn) -> None:
    if data.ends_at is not None and data.ends_at <= data.starts_at:
        raise Invalid("A window must end after it starts.")
    codes, unknown = expand(data.territories, regions)
    if unknown:
        raise Invalid(f"unknown territories or regions: {', '.join(unknown)}")
    window.territories = [t.strip().upper() for t in data.territories]
    window.starts_at = data.starts_at.astimezone(UTC)
    window.ends_at = data.ends_at and data.ends_at.astimezone(UTC)
    window.licensor, window.exclusive = data.licensor, data.exclusive
    window.codes = [WindowTerritory(territory=c, title_id=window.title_id) for c in sorted(codes)]


def window_out(window: Window) -> schemas.Window:
    return schemas.Window(
        id=window.id,
        title_id=window.title_id,
        territories=list(window.territories),
        countries=sorted(c.territory for c in window.codes),
        starts_at=window.starts_at,
        ends_at=window.ends_at,
        licensor=window.licensor,
        exclusive=window.exclusive,
    )


def expiring_windows(
    session: Session, days: int, at: datetime | None = None
) -> list[schemas.ExpiringWindow]:
    """Windows ending within ``days`` days from ``at`` (now), soonest first."""
    start = at or utcnow()
    return [
        schemas.ExpiringWindow(
            **window_out(window).model_dump(),
            original_title=title.original_title,
            status=title.status,
        )
        for window, title in repo.expiring(session, start, start + timedelta(days=days))
    ]


# --- status ----------------------------------------------------------------------------------


def publish_title(session: Session, actor: str, title_id: str) -> Title:
    """draft or retired → published (visible where and while a window allows)."""
    return _move(session, actor, title_id, PUBLISHED, allowed_from=(DRAFT, RETIRED))


def publish_worldwide(session: Session, actor: str, title_id: str) -> Title:
    """Publish with an open worldwide window unless windows exist: the single-site quick start
    (``marquee ingest --publish``)."""
    title = title_or_404(session, title_id)
    has_window = session.scalar(select(Window.id).where(Window.title_id == title.id).limit(1))
    if has_window is None:
        window = Window(title_id=title.id)
        data = schemas.WindowIn(territories=["WORLD"], starts_at=utcnow())
        _fill_window({}, window, data)
        session.add(window)
        session.flush()
        record(session, actor, title.id, "window", window.id, "window.created", {"WORLD": True})
    return publish_title(session, actor, title.id)


def unpublish_title(session: Session, actor: str, title_id: str) -> Title:
    """published → draft: taken off the service for now (a takedown, a fix)."""
    return _move(session, actor, title_id, DRAFT, allowed_from=(PUBLISHED,))


def retire_title(session: Session, actor: str, title_id: str) -> Title:
    """draft or published → retired: off the service for good, kept for the record."""
    return _move(session, actor, title_id, RETIRED, allowed_from=(DRAFT, PUBLISHED))


def set_status(session: Session, actor: str, title_id: str, status: str) -> Title:
    """Any change of status, for imports (whose file says what the status is)."""
    return _move(session, actor, title_id, status, allowed_from=(DRAFT, PUBLISHED, RETIRED))


def _move(
    session: Session, actor: str, title_id: str, status: str, *, allowed_from: tuple[str, ...]
) -> Title:
    title = title_or_404(session, title_id)
    if title.status not in allowed_from:
        raise StatusConflict(f"A {title.status} title cannot become {status}.")
    was = title.status
    title.status = status
    title.updated_at = utcnow()
    if status == PUBLISHED:
        title.published_at = title.updated_at
        publish(session, TITLE_PUBLISHED, {"title_id": title.id})
    elif was == PUBLISHED:
        publish(session, TITLE_UNPUBLISHED, {"title_id": title.id, "status": status})
    changes = {"status": {"from": was, "to": status}}
    record(session, actor, title.id, "title", title.id, f"title.{status}", changes)
    return title


# --- artwork ---------------------------------------------------------------------------------


def image_type(data: bytes) -> str | None:
    """The image's media type from its first bytes (PNG, JPEG, WebP), not from its name."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in IMAGE_TYPES.items() if data.startswith(magic)), None)


def add_artwork(
    session: Session,
    storage: ObjectStore,
    actor: str,
    title_id: str,
    kind: str,
    language: str,
    data: bytes,
) -> Artwork:
    """Store an image as the title's ``kind`` for ``language`` ("" neutral), replacing any."""
    title = title_or_404(session, title_id)
    content_type = image_type(data)
    if content_type is None:
        raise Invalid("Artwork must be a PNG, JPEG or WebP image.")
    row = session.scalar(
        select(Artwork).where(
            Artwork.title_id == title.id, Artwork.kind == kind, Artwork.language == language
        )
    )
    if row is None:
        row = Artwork(title_id=title.id, kind=kind, language=language)
        session.add(row)
    old_key = row.object_key if row.source == "upload" else None
    row.object_key = f"artwork/{title.id}/{new_id()}.{EXTENSIONS[content_type]}"
    row.content_type, row.source = content_type, "upload"
    session.flush()
    storage.put_bytes(row.object_key, data, content_type=content_type)
    if old_key:
        after_commit(session, lambda: storage.delete(old_key))
    changes = {"kind": kind, "language": language, "bytes": len(data)}
    record(session, actor, title.id, "artwork", row.id, "artwork.set", changes)
    touched(session, title)
    return row


def delete_artwork(session: Session, storage: ObjectStore, actor: str, artwork_id: str) -> None:
    row = _get(session, Artwork, artwork_id, "artwork")
    key, source = row.object_key, row.source
    session.delete(row)
    if source == "upload":
        after_commit(session, lambda: storage.delete(key))
    changes = {"kind": row.kind, "language": row.language}
    record(session, actor, row.title_id, "artwork", row.id, "artwork.deleted", changes)
    touched(session, title_or_404(session, row.title_id))


def studio_view(session: Session, title_id: str) -> schemas.StudioTitle:
    title = title_or_404(session, title_id)
    episodes = repo.episodes(session, title_id)
    texts = repo.localizations(session, [title_id, *(e.id for e in episodes)])
    return schemas.StudioTitle(
        id=title.id,
        kind=title.kind,
        status=title.status,
        external_key=title.external_key,
        original_title=title.original_title,
        original_language=title.original_language,
        synopsis=title.synopsis,
        release_year=title.release_year,
        runtime_s=title.runtime_s,
        genres=[g.label for g in title.genres],
        tags=list(title.tags),
        production_countries=list(title.production_countries),
        localizations=_texts(texts.get(title_id, {})),
        credits=credits_of(session, title_id),
        ratings=[rating_out(r) for r in repo.ratings(session, title_id)],
        windows=[window_out(w) for w in repo.windows(session, title_id)],
        artwork=[artwork_out(a) for a in repo.artwork(session, [title_id])],
        seasons=[
            schemas.StudioSeason(
                id=s.id,
                number=s.number,
                synopsis=s.synopsis,
                episodes=[
                    schemas.StudioEpisode.model_validate(
                        {**_columns(e), "localizations": _texts(texts.get(e.id, {}))}
                    )
                    for e in episodes
                    if e.season_id == s.id
                ],
            )
            for s in repo.seasons(session, title_id)
        ],
        asset_id=title.asset_id,
        audio_languages=list(title.audio_languages),
        subtitle_languages=list(title.subtitle_languages),
        created_at=title.created_at,
        updated_at=title.updated_at,
        published_at=title.published_at,
    )


def _texts(found: Mapping[str, Localization]) -> dict[str, schemas.LocalizedText]:
    return {
        lang: schemas.LocalizedText(title=loc.title, synopsis=loc.synopsis)
        for lang, loc in found.items()
    }


def _columns(episode: Episode) -> dict[str, Any]:
    return {c.key: getattr(episode, c.key) for c in Episode.__table__.columns}


def audit_log(session: Session, title_id: str) -> list[schemas.AuditEntry]:
    title_or_404(session, title_id)
    return [schemas.AuditEntry.model_validate(e) for e in repo.audit(session, title_id)]


def list_titles(
    session: Session, status: str | None, search: str | None, limit: int, offset: int
) -> tuple[list[Title], int]:
    """Titles of any status for the studio, most recently changed first."""
    return repo.studio_titles(session, status, search, limit, offset)


def find_people(session: Session, search: str, limit: int = 50) -> list[Person]:
    return repo.people(session, search, limit)


def artwork_language(tag: str) -> str:
    """ "" (neutral) or a well-formed BCP 47 tag; Invalid otherwise."""
    if not tag:
        return ""
    try:
        return language_tag(tag)
    except ValueError as exc:
        raise Invalid(str(exc)) from None
