"""``marquee catalog import``: bad rows reported by line and skipped; re-imports update."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from marquee.catalog import service
from marquee.catalog.models import AuditEntry, Title
from marquee.cli.main import app as cli
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
