"""``marquee catalog import``: writes the rows of a feed (:mod:`marquee.catalog.feeds` reads CSV
and JSON Lines) a batch at a time.

Every row is checked whole before anything is written; a bad row is reported with its line
number and skipped. Titles are matched on a stable external key, so importing a file again
updates the titles it made (and changes nothing when the file did not change).

CSV rows carry no licensing: a title the import creates gets one open-ended window from its
``date_added`` in the territories given on the command line; later imports leave the windows
alone, since editors may have changed them since.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marquee.catalog import repository as repo
from marquee.catalog import schemas
from marquee.catalog.errors import Invalid
from marquee.catalog.feeds import Row
from marquee.catalog.models import Episode, Localization, Rating, Season, Title, Window
from marquee.catalog.studio.audit import batched
from marquee.catalog.studio.episodes import (
    add_episode,
    add_seasons,
    update_episode,
    update_season,
)
from marquee.catalog.studio.localizations import delete_localization, set_localization
from marquee.catalog.studio.people import create_people, set_credits_of_titles
from marquee.catalog.studio.publishing import set_status
from marquee.catalog.studio.ratings import delete_rating, rating_values, set_ratings
from marquee.catalog.studio.titles import create_title, update_title
from marquee.catalog.studio.windows import add_window, delete_window
from marquee.catalog.territories import expand
from marquee.kit.db import Database
from marquee.settings import Settings

ACTOR = "import"


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


@dataclass(frozen=True)
class _Item:
    """A record of the batch and the title it creates or updates."""

    record: schemas.TitleRecord
    title: Title
    created: bool


class Importer:
    """Writes records a batch at a time, in one transaction.

    Each change goes through the studio (its rules, audit entries and events), but for the
    whole batch at once: what exists is read with one query per kind of row, and only for the
    titles that existed before (a new title has nothing to read), new people are made together,
    and the studio writes credits, ratings and seasons for every title in a few statements.
    """

    def __init__(self, session: Session, settings: Settings, *, partial: bool) -> None:
        self.session = session
        self.settings = settings
        #: The feed carries only part of a title (CSV): keep the windows and translations
        #: editors added instead of replacing them with the feed's.
        self.partial = partial

    def apply(self, records: Sequence[schemas.TitleRecord]) -> list[bool]:
        """Create or update the records' titles; for each, True when it was created."""
        found = repo.titles_by_key(self.session, [r.external_key for r in records])
        items = [self._title(record, found.get(record.external_key)) for record in records]
        self.session.flush()  # the new titles, before anything refers to them
        old = [item.title.id for item in items if not item.created]
        self._texts(items, old)
        self._credits(items, old)
        self._ratings(items, old)
        self._windows(items, old)
        self._seasons(items, old)
        for item in items:
            if item.title.status != item.record.status:
                status = item.record.status
                set_status(self.session, actor=ACTOR, title_id=item.title.id, status=status)
        return [item.created for item in items]

    def _title(self, record: schemas.TitleRecord, title: Title | None) -> _Item:
        if title is None:
            title = create_title(
                self.session, actor=ACTOR, data=record, external_key=record.external_key
            )
            return _Item(record, title, created=True)
        update = schemas.TitleUpdate.model_validate(
            record.model_dump(include=set(schemas.TitleUpdate.model_fields))
        )
        update_title(self.session, actor=ACTOR, title_id=title.id, data=update)
        return _Item(record, title, created=False)

    def _texts(self, items: list[_Item], old: list[str]) -> None:
        """Translations of the titles that existed (a new title got its own when created)."""
        current = repo.localizations(self.session, old) if old else {}
        for item in items:
            if item.created:
                continue
            title_id, texts = item.title.id, item.record.localizations
            found = current.get(title_id, {})
            for language, text in texts.items():
                have = found.get(language)
                if have is None or (have.title, have.synopsis) != (text.title, text.synopsis):
                    set_localization(
                        self.session, actor=ACTOR, title_id=title_id, language=language, text=text
                    )
            for language in set() if self.partial else set(found) - set(texts):
                delete_localization(self.session, actor=ACTOR, title_id=title_id, language=language)

    def _people(self, items: list[_Item]) -> dict[str, str]:
        """Person key → id for everyone the records name; people met first are created."""
        names: dict[str, str] = {}
        for item in items:
            for credit in item.record.credits:
                names.setdefault(_person_key(credit.name), credit.name)
        people = repo.people_by_key(self.session, names)
        new = [(name, key) for key, name in names.items() if key not in people]
        ids = create_people(self.session, actor=ACTOR, people=new)
        people.update(zip((key for _, key in new), ids, strict=True))
        return people

    def _credits(self, items: list[_Item], old: list[str]) -> None:
        people = self._people(items)
        current = repo.credits_by_title(self.session, old) if old else {}
        changed: dict[str, list[schemas.CreditIn]] = {}
        for item in items:
            wanted = [
                schemas.CreditIn(
                    person_id=people[_person_key(c.name)], role=c.role, character=c.character
                )
                for c in item.record.credits
            ]
            have = [
                schemas.CreditIn(person_id=c.person_id, role=c.role, character=c.character)
                for c, _ in current.get(item.title.id, [])
            ]
            if wanted != have:
                changed[item.title.id] = wanted
        if changed:
            set_credits_of_titles(self.session, actor=ACTOR, credits=changed)

    def _ratings(self, items: list[_Item], old: list[str]) -> None:
        current = repo.ratings_by_title(self.session, old) if old else {}
        changes: list[tuple[str, str, schemas.RatingIn]] = []
        removed: list[tuple[str, str]] = []
        for item in items:
            have: dict[str, Rating] = {r.territory: r for r in current.get(item.title.id, [])}
            wanted = {r.territory.upper(): r for r in item.record.ratings}
            for territory, rating in wanted.items():
                _, system, value = rating_values(self.settings, territory, rating)
                row = have.get(territory)
                if row is None or (row.system, row.value) != (system, value):
                    changes.append((item.title.id, territory, rating))
            removed.extend((item.title.id, territory) for territory in set(have) - set(wanted))
        if changes:
            set_ratings(self.session, settings=self.settings, actor=ACTOR, ratings=changes)
        for title_id, territory in removed:
            delete_rating(self.session, actor=ACTOR, title_id=title_id, territory=territory)

    def _windows(self, items: list[_Item], old: list[str]) -> None:
        current = repo.windows_by_title(self.session, old) if old else {}
        for item in items:
            have = current.get(item.title.id, [])
            if not item.created and self.partial and have:
                continue  # editors own the windows of a title that has any
            wanted = item.record.windows
            if [_window_key(w) for w in have] == [_window_in_key(w) for w in wanted]:
                continue
            for window in have:
                delete_window(self.session, actor=ACTOR, window_id=window.id)
            for data in wanted:
                add_window(
                    self.session,
                    settings=self.settings,
                    actor=ACTOR,
                    title_id=item.title.id,
                    data=data,
                )

    def _seasons(self, items: list[_Item], old: list[str]) -> None:
        current = repo.seasons_by_title(self.session, old) if old else {}
        seasons: dict[tuple[str, int], Season] = {
            (s.title_id, s.number): s for found in current.values() for s in found
        }
        new: list[tuple[str, schemas.SeasonCreate]] = []
        for item in items:
            for data in item.record.seasons:
                season = seasons.get((item.title.id, data.number))
                if season is None:
                    create = schemas.SeasonCreate(number=data.number, synopsis=data.synopsis)
                    new.append((item.title.id, create))
                elif season.synopsis != data.synopsis:
                    update = schemas.SeasonUpdate(synopsis=data.synopsis)
                    update_season(self.session, actor=ACTOR, season_id=season.id, data=update)
        if new:
            added = add_seasons(self.session, actor=ACTOR, seasons=new)
            seasons.update(((s.title_id, s.number), s) for s in added)
        if any(data.episodes for item in items for data in item.record.seasons):
            self.session.flush()  # the new seasons, before their episodes
            self._episodes(items, old, seasons)

    def _episodes(
        self, items: list[_Item], old: list[str], seasons: Mapping[tuple[str, int], Season]
    ) -> None:
        current = repo.episodes_by_title(self.session, old) if old else {}
        episodes = {(e.season_id, e.number): e for found in current.values() for e in found}
        texts = repo.localizations(self.session, [e.id for e in episodes.values()])
        for item in items:
            for data in item.record.seasons:
                season = seasons[item.title.id, data.number]
                for episode_data in data.episodes:
                    episode = episodes.get((season.id, episode_data.number))
                    if episode is None:
                        add_episode(
                            self.session, actor=ACTOR, season_id=season.id, data=episode_data
                        )
                    else:
                        self._episode(item.title, episode, episode_data, texts.get(episode.id, {}))

    def _episode(
        self,
        title: Title,
        episode: Episode,
        data: schemas.EpisodeCreate,
        texts: Mapping[str, Localization],
    ) -> None:
        update = schemas.EpisodeUpdate.model_validate(
            data.model_dump(include={"original_title", "synopsis", "runtime_s"})
        )
        update_episode(self.session, actor=ACTOR, episode_id=episode.id, data=update)
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


def _person_key(name: str) -> str:
    """What a person named in a feed is known by: the name without case."""
    return f"name:{name.casefold()}"


def _window_key(window: Window) -> tuple[object, ...]:
    terms = (window.licensor, window.exclusive, window.downloads_allowed)
    return (window.territories, window.starts_at, window.ends_at, *terms)


def _window_in_key(window: schemas.WindowIn) -> tuple[object, ...]:
    territories = [t.strip().upper() for t in window.territories]
    terms = (window.licensor, window.exclusive, window.downloads_allowed)
    return (territories, window.starts_at, window.ends_at, *terms)


def import_rows(
    db: Database, settings: Settings, rows: Iterable[Row], *, partial: bool, batch: int = 200
) -> schemas.ImportReport:
    """Check and write ``rows``, committing every ``batch`` titles; bad rows are reported."""
    report = schemas.ImportReport()
    pending: list[Row] = []
    first_line: dict[str, int] = {}
    with _heap_frozen():
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


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """Leave what the process held before the import out of the garbage collector's full
    passes while it runs. A batch keeps thousands of objects alive, which sets off a full pass
    every batch or so; over the whole heap (modules, SQLAlchemy, pydantic) those took a
    quarter of the import's time. A heap frozen already (``marquee serve``) stays so."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


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
    records = [row.record for row in rows if row.record is not None]
    if not records:
        return
    with db.transaction() as session, batched(session):
        if db.backend == "postgresql":
            # psycopg prepares the statements it runs often, and PostgreSQL keeps a generic
            # plan for them: one made while the tables were nearly empty (a sequential scan
            # testing every row against every key of an IN list) would outlive their growth.
            session.execute(sa.text("DISCARD PLANS"))
        created = Importer(session, settings, partial=partial).apply(records)
    report.created += sum(created)
    report.updated += len(created) - sum(created)
    rows.clear()
