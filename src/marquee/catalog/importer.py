"""``marquee catalog import``: titles from a CSV feed in the common public shape or from JSON
Lines of :class:`~marquee.catalog.schemas.TitleRecord`.

Every row is checked whole before anything is written; a bad row is reported with its line
number and skipped. Titles are matched on a stable external key, so importing a file again
updates the titles it made (and changes nothing when the file did not change).

CSV rows carry no licensing: a title the import creates gets one open-ended window from its
``date_added`` in the territories given on the command line; later imports leave the windows
alone, since editors may have changed them since.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.errors import Invalid
from marquee.catalog.models import Episode, Person, Rating, Season, Title, Window
from marquee.catalog.ratings import UnknownRating, us_rating
from marquee.catalog.studio.episodes import add_episode, add_season, update_episode, update_season
from marquee.catalog.studio.localizations import delete_localization, set_localization
from marquee.catalog.studio.people import create_person, set_credits
from marquee.catalog.studio.publishing import set_status
from marquee.catalog.studio.ratings import delete_rating, rating_values, set_rating
from marquee.catalog.studio.titles import create_title, update_title
from marquee.catalog.studio.windows import add_window, delete_window
from marquee.catalog.territories import country_code, expand
from marquee.catalog.views import credits_of
from marquee.kit.db import Database
from marquee.settings import Settings

ACTOR = "import"
CSV_COLUMNS = (
    "type",
    "title",
    "director",
    "cast",
    "country",
    "date_added",
    "release_year",
    "rating",
    "duration",
    "listed_in",
    "description",
)
KINDS = {"movie": "movie", "tv show": "series"}
_MINUTES = re.compile(r"^(\d+)\s*min$", re.IGNORECASE)
_SEASONS = re.compile(r"^(\d+)\s*seasons?$", re.IGNORECASE)


class BadFile(ValueError):
    """The file as a whole cannot be read (not one bad row)."""


@dataclass(frozen=True)
class Row:
    line: int
    record: schemas.TitleRecord | None
    error: str | None = None


# --- reading -------------------------------------------------------------------------------


def read_csv(
    handle: IO[str], *, language: str, territories: list[str], licensor: str
) -> Iterator[Row]:
    """Rows of a CSV feed; each becomes a record, or an error naming the row's first line."""
    reader = csv.DictReader(handle)
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise BadFile(f"missing columns: {', '.join(missing)}")
    line = reader.line_num + 1
    for raw in reader:
        try:
            yield Row(line, csv_record(raw, language, territories, licensor))
        except (ValueError, ValidationError) as exc:
            yield Row(line, None, _message(exc))
        line = reader.line_num + 1


def csv_record(
    raw: Mapping[str, str | None], language: str, territories: list[str], licensor: str
) -> schemas.TitleRecord:
    """One CSV row as Marquee's own record; ValueError says what is wrong with it."""
    row = {k: (v or "").strip() for k, v in raw.items() if k}
    kind = KINDS.get(row["type"].casefold())
    if kind is None:
        raise ValueError(f"type {row['type']!r} is neither 'Movie' nor 'TV Show'")
    if not row["title"]:
        raise ValueError("title is empty")
    year = _year(row["release_year"])
    runtime_s, seasons = _duration(kind, row["duration"])
    return schemas.TitleRecord(
        external_key=csv_key(kind, row["title"], year),
        kind=kind,
        status="published",
        original_title=row["title"],
        original_language=language,
        synopsis=row["description"],
        release_year=year,
        runtime_s=runtime_s,
        genres=_split(row["listed_in"]),
        production_countries=[_country(name) for name in _split(row["country"])],
        credits=[
            *(schemas.CreditRecord(name=n, role="director") for n in _split(row["director"])),
            *(schemas.CreditRecord(name=n, role="actor") for n in _split(row["cast"])),
        ],
        ratings=_rating(row["rating"]),
        windows=[
            schemas.WindowIn(
                territories=territories,
                starts_at=_added(row["date_added"], year),
                licensor=licensor,
            )
        ],
        seasons=[schemas.SeasonRecord(number=n) for n in range(1, seasons + 1)],
    )


def csv_key(kind: str, title: str, year: int) -> str:
    """What a title is known by across feeds: kind, title (case and punctuation aside), year."""
    words = re.sub(r"\W+", "-", title.casefold()).strip("-") or title.casefold()
    return f"csv:{kind}:{words}:{year}"


def read_jsonl(handle: IO[str]) -> Iterator[Row]:
    for number, text in enumerate(handle, start=1):
        if text.strip():
            try:
                yield Row(number, schemas.TitleRecord.model_validate_json(text))
            except ValidationError as exc:
                yield Row(number, None, _message(exc))


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        text = str(first["msg"]).removeprefix("Value error, ")
        return f"{where}: {text}" if where else text
    return str(exc)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _year(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"release_year {text!r} is not a year")
    return int(text)


def _duration(kind: str, text: str) -> tuple[int | None, int]:
    """(runtime in seconds, number of seasons) from ``90 min`` or ``2 Seasons``."""
    if not text:
        return None, 0
    pattern = _MINUTES if kind == "movie" else _SEASONS
    found = pattern.match(text)
    if found is None:
        expected = "'N min'" if kind == "movie" else "'N Seasons'"
        raise ValueError(f"duration {text!r} is not {expected}")
    count = int(found.group(1))
    return (count * 60, 0) if kind == "movie" else (None, count)


def _country(name: str) -> str:
    code = country_code(name)
    if code is None:
        raise ValueError(f"country {name!r} is unknown")
    return code


def _rating(text: str) -> list[schemas.RatingRecord]:
    if not text:
        return []
    try:
        system, value = us_rating(text)
    except UnknownRating as exc:
        raise ValueError(f"rating: {exc}") from None
    return [schemas.RatingRecord(territory="US", system=system, value=value)]


def _added(text: str, year: int) -> datetime:
    """``September 25, 2021`` at midnight UTC; an unknown date means 1 January of the year."""
    if not text:
        return datetime(year, 1, 1, tzinfo=UTC)
    try:
        return datetime.strptime(text, "%B %d, %Y").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"date_added {text!r} is not like 'September 25, 2021'") from None


# --- checking and writing ------------------------------------------------------------------


def check(record: schemas.TitleRecord, settings: Settings) -> None:
    """What the schema cannot see: ratings, regions, seasons; ValueError if anything is off."""
    for rating in record.ratings:
        try:
            rating_values(settings, rating.territory, rating)
        except Invalid as exc:
            raise ValueError(f"ratings: {exc.detail}") from None
    for window in record.windows:
        unknown = expand(window.territories, settings.catalog_regions)[1]
        if unknown:
            raise ValueError(f"windows: unknown territories {', '.join(unknown)}")
        if window.ends_at is not None and window.ends_at <= window.starts_at:
            raise ValueError("windows: a window must end after it starts")
    numbers = [s.number for s in record.seasons]
    if len(set(numbers)) != len(numbers):
        raise ValueError("seasons: a season number appears twice")
    if record.seasons and record.kind != "series":
        raise ValueError("seasons: only a series has seasons")


class Importer:
    """Writes records; remembers people by name across the rows of one run."""

    def __init__(self, session: Session, settings: Settings, *, partial: bool) -> None:
        self.session = session
        self.settings = settings
        #: The feed carries only part of a title (CSV): keep the windows and translations
        #: editors added instead of replacing them with the feed's.
        self.partial = partial
        self.people: dict[str, str] = {
            key: person_id
            for key, person_id in session.execute(
                select(Person.external_key, Person.id).where(Person.external_key.is_not(None))
            )
            if key is not None
        }

    def apply(self, record: schemas.TitleRecord) -> bool:
        """Create or update the title; True when it was created."""
        title = repo.title_by_key(self.session, record.external_key)
        created = title is None
        if title is None:
            title = create_title(
                self.session, actor=ACTOR, data=record, external_key=record.external_key
            )
        else:
            update = schemas.TitleUpdate.model_validate(
                record.model_dump(include=set(schemas.TitleUpdate.model_fields))
            )
            update_title(self.session, actor=ACTOR, title_id=title.id, data=update)
            self._texts(title, record.localizations)
        self._credits(title, record.credits)
        self._ratings(title, record.ratings)
        if created or not (self.partial and repo.windows(self.session, title.id)):
            self._windows(title, record.windows)
        self._seasons(title, record.seasons)
        if title.status != record.status:
            set_status(self.session, actor=ACTOR, title_id=title.id, status=record.status)
        return created

    def _texts(self, title: Title, texts: Mapping[str, schemas.LocalizedText]) -> None:
        current = repo.localizations(self.session, [title.id]).get(title.id, {})
        for language, text in texts.items():
            found = current.get(language)
            if found is None or (found.title, found.synopsis) != (text.title, text.synopsis):
                set_localization(
                    self.session, actor=ACTOR, title_id=title.id, language=language, text=text
                )
        for language in set() if self.partial else set(current) - set(texts):
            delete_localization(self.session, actor=ACTOR, title_id=title.id, language=language)

    def _person(self, name: str) -> str:
        key = f"name:{name.casefold()}"
        if key not in self.people:
            self.people[key] = create_person(
                self.session, actor=ACTOR, name=name, external_key=key
            ).id
        return self.people[key]

    def _credits(self, title: Title, credits: Iterable[schemas.CreditRecord]) -> None:
        wanted = [
            schemas.CreditIn(person_id=self._person(c.name), role=c.role, character=c.character)
            for c in credits
        ]
        current = [
            schemas.CreditIn(person_id=c.person_id, role=c.role, character=c.character)
            for c in credits_of(self.session, title_id=title.id)
        ]
        if wanted != current:
            set_credits(self.session, actor=ACTOR, title_id=title.id, credits=wanted)

    def _ratings(self, title: Title, ratings: Iterable[schemas.RatingRecord]) -> None:
        current: dict[str, Rating] = {r.territory: r for r in repo.ratings(self.session, title.id)}
        wanted = {r.territory.upper(): r for r in ratings}
        for territory, rating in wanted.items():
            _, system, value = rating_values(self.settings, territory, rating)
            row = current.get(territory)
            if row is None or (row.system, row.value) != (system, value):
                set_rating(
                    self.session,
                    settings=self.settings,
                    actor=ACTOR,
                    title_id=title.id,
                    territory=territory,
                    data=rating,
                )
        for territory in set(current) - set(wanted):
            delete_rating(self.session, actor=ACTOR, title_id=title.id, territory=territory)

    def _windows(self, title: Title, windows: list[schemas.WindowIn]) -> None:
        current = repo.windows(self.session, title.id)
        if [_window_key(w) for w in current] == [_window_in_key(w) for w in windows]:
            return
        for window in current:
            delete_window(self.session, actor=ACTOR, window_id=window.id)
        for data in windows:
            add_window(
                self.session, settings=self.settings, actor=ACTOR, title_id=title.id, data=data
            )

    def _seasons(self, title: Title, seasons: Iterable[schemas.SeasonRecord]) -> None:
        existing = {s.number: s for s in repo.seasons(self.session, title.id)}
        for data in seasons:
            season = existing.get(data.number)
            if season is None:
                create = schemas.SeasonCreate(number=data.number, synopsis=data.synopsis)
                season = add_season(self.session, actor=ACTOR, title_id=title.id, data=create)
            elif season.synopsis != data.synopsis:
                update = schemas.SeasonUpdate(synopsis=data.synopsis)
                update_season(self.session, actor=ACTOR, season_id=season.id, data=update)
            self._episodes(title, season, data.episodes)

    def _episodes(
        self, title: Title, season: Season, episodes: list[schemas.EpisodeCreate]
    ) -> None:
        existing = {
            e.number: e
            for e in self.session.scalars(select(Episode).where(Episode.season_id == season.id))
        }
        for data in episodes:
            episode = existing.get(data.number)
            if episode is None:
                add_episode(self.session, actor=ACTOR, season_id=season.id, data=data)
                continue
            update = schemas.EpisodeUpdate.model_validate(
                data.model_dump(include={"original_title", "synopsis", "runtime_s"})
            )
            update_episode(self.session, actor=ACTOR, episode_id=episode.id, data=update)
            texts = repo.localizations(self.session, [episode.id]).get(episode.id, {})
            for language, text in data.localizations.items():
                found = texts.get(language)
                if found is None or (found.title, found.synopsis) != (text.title, text.synopsis):
                    set_localization(
                        self.session,
                        actor=ACTOR,
                        title_id=title.id,
                        language=language,
                        text=text,
                        episode_id=episode.id,
                    )


def _window_key(window: Window) -> tuple[object, ...]:
    return (window.territories, window.starts_at, window.ends_at, window.licensor, window.exclusive)


def _window_in_key(window: schemas.WindowIn) -> tuple[object, ...]:
    territories = [t.strip().upper() for t in window.territories]
    return (territories, window.starts_at, window.ends_at, window.licensor, window.exclusive)


def import_rows(
    db: Database, settings: Settings, rows: Iterable[Row], *, partial: bool, batch: int = 200
) -> schemas.ImportReport:
    """Check and write ``rows``, committing every ``batch`` titles; bad rows are reported."""
    report = schemas.ImportReport()
    pending: list[Row] = []
    first_line: dict[str, int] = {}
    for row in rows:
        error = row.error
        if row.record is not None and error is None:
            error = _problem(row.record, settings, first_line.get(row.record.external_key))
            first_line.setdefault(row.record.external_key, row.line)
        if error is not None:
            report.errors.append((row.line, error))
            continue
        pending.append(row)
        if len(pending) >= batch:
            _write(db, settings, pending, report, partial=partial)
    _write(db, settings, pending, report, partial=partial)
    return report


def _problem(record: schemas.TitleRecord, settings: Settings, seen_at: int | None) -> str | None:
    if seen_at is not None:
        return f"the same title as line {seen_at} ({record.external_key})"
    try:
        check(record, settings)
    except ValueError as exc:
        return str(exc)
    return None


def _write(
    db: Database,
    settings: Settings,
    rows: list[Row],
    report: schemas.ImportReport,
    *,
    partial: bool,
) -> None:
    with db.transaction() as session:
        importer = Importer(session, settings, partial=partial)
        for row in rows:
            assert row.record is not None
            if importer.apply(row.record):
                report.created += 1
            else:
                report.updated += 1
    rows.clear()
