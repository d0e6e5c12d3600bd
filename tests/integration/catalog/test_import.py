"""``marquee catalog import``: bad rows reported by line and skipped; re-imports update."""

from __future__ import annotations

import io
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from marquee.catalog import feeds, importer, schemas, service
from marquee.catalog.models import AuditEntry, Person, Title
from marquee.catalog.studio.localizations import set_localization
from marquee.catalog.views import credits_of, studio_view
from marquee.cli.main import app as cli
from marquee.kit.db import Database
from marquee.kit.outbox import OutboxEntry
from marquee.runtime import Platform
from marquee.settings import Settings

HEADER = (
    "type,title,director,cast,country,date_added,release_year,rating,duration,listed_in,description"
)


@pytest.fixture
def env(catalog_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARQUEE_DATA_DIR", str(catalog_settings.data_dir))
    monkeypatch.setenv("MARQUEE_DATABASE_URL", catalog_settings.resolved_database_url)
    monkeypatch.setenv("MARQUEE_LOG_JSON", "false")


def _import(path: Path, *options: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["catalog", "import", str(path), *options])
    return result.exit_code, result.output


def _keys(platform: Platform, tag: str) -> dict[str, Title]:
    with platform.db.sessions() as session:
        query = select(Title).where(Title.external_key.contains(tag))
        return {t.original_title: t for t in session.scalars(query)}


def _audit_count(platform: Platform) -> int:
    with platform.db.sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_a_csv_feed_imports_good_rows_reports_bad_ones_and_reimports_without_duplicates(
    env: None, platform: Platform, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    feed = tmp_path / "feed.csv"
    feed.write_text(
        "\n".join(
            [
                HEADER,
                f'Movie,Harbor {tag},Ana Ruiz,"Lee Min, Jo Park",France,"May 1, 2021",2020,PG,'
                '95 min,"Dramas",A harbour.',
                f"TV Show,Coast {tag},,,,,2019,TV-14,2 Seasons,Docuseries,The coast.",
                f"Movie,Broken {tag},,,,,2018,74 min,,Dramas,Rating in the wrong column.",
                f"Movie,Nowhere {tag},,,Atlantis,,2018,R,80 min,Dramas,No such country.",
                f'Movie,"Harbor {tag}",,,,,2020,PG,95 min,Dramas,The same title again.',
            ]
        )
        + "\n"
    )

    status, output = _import(feed, "--territory", "EU")
    titles = _keys(platform, tag)
    audit_after_first = _audit_count(platform)
    again, output_again = _import(feed, "--territory", "EU")

    assert status == again == 1
    assert "2 created, 0 updated, 3 skipped" in output
    assert f"{feed}:4: rating: '74 min' is not a MPA rating" in output
    assert f"{feed}:5: country 'Atlantis' is unknown" in output
    assert f"{feed}:6: the same title as line 2" in output
    assert "0 created, 2 updated, 3 skipped" in output_again
    assert _keys(platform, tag).keys() == titles.keys() == {f"Harbor {tag}", f"Coast {tag}"}
    assert _audit_count(platform) == audit_after_first  # nothing changed, nothing recorded
    with platform.db.sessions() as session:
        harbor = titles[f"Harbor {tag}"].id
        assert service.is_available(session, title_id=harbor, territory="FR", maturity="kids")
        assert not service.is_available(session, title_id=harbor, territory="US", maturity="adult")
        view = service.get_title(
            session, title_id=harbor, territory="DE", maturity="kids", languages=["en"]
        )
    assert [c.name for c in view.credits] == ["Ana Ruiz", "Lee Min", "Jo Park"]
    assert (view.runtime_s, view.rating and view.rating.value) == (95 * 60, "PG")


def test_json_lines_follow_marquees_schema_and_a_reimport_applies_changes(
    env: None, platform: Platform, tmp_path: Path
) -> None:
    key = f"studio:{uuid.uuid4().hex}"
    record = {
        "external_key": key,
        "kind": "series",
        "status": "published",
        "original_title": "Les Rivières",
        "original_language": "fr",
        "localizations": {"en": {"title": "The Rivers", "synopsis": "Water."}},
        "ratings": [{"territory": "FR", "system": "MARQUEE", "value": "13+"}],
        "windows": [{"territories": ["FR"], "starts_at": "2020-01-01T00:00:00Z"}],
        "seasons": [
            {"number": 1, "episodes": [{"number": 1, "original_title": "La source"}]},
        ],
    }
    feed = tmp_path / "titles.jsonl"
    feed.write_text(json.dumps(record) + "\n\n" + '{"external_key": "x", "kind": "opera"}\n')

    status, output = _import(feed)
    record["localizations"] = {"de": {"title": "Die Flüsse"}}
    record["seasons"][0]["episodes"][0]["original_title"] = "La Source"  # type: ignore[index]
    feed.write_text(json.dumps(record) + "\n")
    again, output_again = _import(feed)

    assert status == 1
    assert f"{feed}:3: kind: Input should be 'movie' or 'series'" in output
    assert "1 created, 0 updated, 1 skipped" in output
    assert (again, "0 created, 1 updated, 0 skipped" in output_again) == (0, True)
    with platform.db.sessions() as session:
        title_id = session.scalar(select(Title.id).where(Title.external_key == key))
        assert title_id is not None
        view = service.get_title(
            session, title_id=title_id, territory="FR", maturity="teen", languages=["en", "de"]
        )
    assert view.title == "Die Flüsse"
    assert view.seasons[0].episodes[0].title == "La Source"


# --- batches, on each database backend (the importer reads and writes a batch at a time) ---


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def _csv(db: Database, settings: Settings, *lines: str) -> schemas.ImportReport:
    feed = io.StringIO("\n".join([HEADER, *lines]) + "\n")
    rows = feeds.read_csv(feed, language="en", territories=["US"], licensor="Feed")
    return importer.import_rows(db, settings, rows, partial=True)


def _jsonl(db: Database, settings: Settings, *records: dict[str, Any]) -> schemas.ImportReport:
    rows = feeds.read_jsonl(io.StringIO("\n".join(json.dumps(r) for r in records)))
    return importer.import_rows(db, settings, rows, partial=False)


def _changes(session: Session, title_ids: dict[str, str]) -> tuple[Counter[str], Counter[str]]:
    """(``name action`` of the audit entries, ``name event`` of the events) of the titles."""
    names = {title_id: name for name, title_id in title_ids.items()}
    audit = session.scalars(select(AuditEntry).where(AuditEntry.title_id.in_(names)))
    events = session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "event"))
    return (
        Counter(f"{names[e.title_id or '']} {e.action}" for e in audit),
        Counter(
            f"{names[e.payload['title_id']]} {e.name}"
            for e in events
            if e.payload.get("title_id") in names
        ),
    )


def test_a_batch_mixing_new_and_existing_titles_changes_only_what_the_feed_changed(
    db: Database, catalog_settings: Settings
) -> None:
    tag = uuid.uuid4().hex[:8]
    harbor = f'Movie,Harbor {tag},Ana {tag},"Lee {tag}",France,"May 1, 2021",2020,PG,95 min,'
    coast = f"TV Show,Coast {tag},,,,,2019,TV-14,{{}} Seasons,Docuseries,The coast."
    first = _csv(db, catalog_settings, harbor + "Dramas,A harbour.", coast.format(2))
    with db.transaction() as session:
        ids = {t.original_title.split()[0]: t.id for t in _titles(session, tag)}
        text = schemas.LocalizedText(title=f"La Côte {tag}")
        set_localization(session, actor="editor", title_id=ids["Coast"], language="fr", text=text)
        before = _changes(session, ids)

    # One batch: Harbor gains a cast member and another rating, Coast a season, and Reef is
    # new, directed by the same new person (made once) with someone Harbor's feed made.
    changed = harbor.replace(f'"Lee {tag}"', f'"Lee {tag}, New {tag}"').replace(",PG,", ",R,")
    reef = f'Movie,Reef {tag},New {tag},"Ana {tag}",,,2021,G,80 min,Kids,A reef.'
    second = _csv(db, catalog_settings, changed + "Dramas,A harbour.", coast.format(3), reef)
    again = _csv(db, catalog_settings, changed + "Dramas,A harbour.", coast.format(3), reef)

    assert (first.created, first.updated, first.errors) == (2, 0, [])
    assert (second.created, second.updated, second.errors) == (1, 2, [])
    assert (again.created, again.updated, again.errors) == (0, 3, [])
    with db.sessions() as session:
        ids = {t.original_title.split()[0]: t.id for t in _titles(session, tag)}
        audit, events = _changes(session, ids)
        views = {name: studio_view(session, title_id=i) for name, i in ids.items()}
        new_people = session.scalars(select(Person).where(Person.name == f"New {tag}")).all()
        person_created = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_id.in_([p.id for p in new_people]),
                AuditEntry.action == "person.created",
            )
        ).all()
    assert audit - before[0] == Counter(
        {
            f"{n} {action}": 1
            for n, action in [
                ("Harbor", "credits.set"),
                ("Harbor", "rating.set"),
                ("Coast", "season.created"),
                ("Reef", "title.created"),
                ("Reef", "credits.set"),
                ("Reef", "rating.set"),
                ("Reef", "window.created"),
                ("Reef", "title.published"),
            ]
        }
    )
    assert events - before[1] == Counter(
        {
            "Harbor catalog.title_updated": 2,  # credits, rating
            "Coast catalog.title_updated": 1,
            "Reef catalog.title_published": 1,
        }
    )
    assert len(new_people) == len(person_created) == 1
    harbor_credits = [(c.name, c.role) for c in views["Harbor"].credits]
    assert harbor_credits == [
        (f"Ana {tag}", "director"),
        (f"Lee {tag}", "actor"),
        (f"New {tag}", "actor"),
    ]
    reef_credits = [(c.person_id, c.role) for c in views["Reef"].credits]
    assert reef_credits == [
        (new_people[0].id, "director"),
        (views["Harbor"].credits[0].person_id, "actor"),
    ]
    assert [(r.territory, r.value) for r in views["Harbor"].ratings] == [("US", "R")]
    assert [s.number for s in views["Coast"].seasons] == [1, 2, 3]
    assert set(views["Coast"].localizations) == {"fr"}  # the editor's, kept by a CSV feed
    assert [(w.territories, w.licensor) for w in views["Reef"].windows] == [(["US"], "Feed")]


def test_series_in_one_batch_get_their_seasons_and_episodes_matched_by_number(
    db: Database, catalog_settings: Settings
) -> None:
    tag = uuid.uuid4().hex[:8]

    def series(name: str, seasons: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "external_key": f"test:{tag}:{name}",
            "kind": "series",
            "status": "published",
            "original_title": f"{name} {tag}",
            "original_language": "en",
            "seasons": seasons,
        }

    def season(number: int, *titles: str, synopsis: str = "") -> dict[str, Any]:
        episodes = [{"number": n, "original_title": t} for n, t in enumerate(titles, 1)]
        return {"number": number, "synopsis": synopsis, "episodes": episodes}

    first = _jsonl(
        db,
        catalog_settings,
        series("Tides", [season(1, "Ebb", "Flow")]),
        series("Winds", [season(1, "North")]),
    )
    renamed = season(1, "Ebb", "Flood", "Slack", synopsis="The first.")
    renamed["episodes"][0]["localizations"] = {"fr": {"title": "Reflux"}}
    second = _jsonl(
        db,
        catalog_settings,
        series("Tides", [renamed, season(2, "Spring")]),
        series("Storms", [season(1, "Gale"), season(2, "Calm", "Squall")]),
        series("Winds", [season(1, "North")]),
    )

    assert (first.created, first.updated, second.created, second.updated) == (2, 0, 1, 2)
    with db.sessions() as session:
        views = {
            t.original_title.split()[0]: studio_view(session, title_id=t.id)
            for t in _titles(session, tag)
        }
    shape = {
        name: [(s.number, s.synopsis, [e.original_title for e in s.episodes]) for s in v.seasons]
        for name, v in views.items()
    }
    assert shape == {
        "Tides": [(1, "The first.", ["Ebb", "Flood", "Slack"]), (2, "", ["Spring"])],
        "Storms": [(1, "", ["Gale"]), (2, "", ["Calm", "Squall"])],
        "Winds": [(1, "", ["North"])],
    }
    assert views["Tides"].seasons[0].episodes[0].localizations["fr"].title == "Reflux"


def test_titles_and_people_differing_only_by_accents_are_kept_apart(
    db: Database, catalog_settings: Settings
) -> None:
    """As "Verónica" and "Veronica" (2017) in the public feed: on MariaDB's default collation
    their keys were one key."""
    tag = uuid.uuid4().hex[:8]
    accented = f"Movie,Verónica {tag},Chloë {tag},,Spain,,2017,R,105 min,Horror,One."
    plain = f"Movie,Veronica {tag},Chloe {tag},,Mexico,,2017,R,99 min,Thrillers,Another."

    report = _csv(db, catalog_settings, accented, plain)

    assert (report.created, report.updated, report.errors) == (2, 0, [])
    with db.sessions() as session:
        titles = {t.original_title: t.id for t in _titles(session, tag)}
        directors = {
            title: [c.name for c in credits_of(session, title_id=title_id)]
            for title, title_id in titles.items()
        }
    assert directors == {f"Verónica {tag}": [f"Chloë {tag}"], f"Veronica {tag}": [f"Chloe {tag}"]}


def _titles(session: Session, tag: str) -> list[Title]:
    return list(session.scalars(select(Title).where(Title.original_title.endswith(f" {tag}"))))
