"""``marquee`` as an operator runs it: serve on the embedded defaults and on real backends."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect

from tests.conftest import empty_database
from tests.e2e.browser import PlatformError, environment, free_port, marquee_serve
from tests.services import POSTGRES_URL, REDIS_URL

MARQUEE = [sys.executable, "-m", "marquee.cli"]


def _env(data_dir: Path, **settings: str) -> dict[str, str]:
    return {**environment(data_dir), **settings}


@contextmanager
def _serving(env: dict[str, str], edge_port: int | None = None) -> Iterator[str]:
    log = Path(env["MARQUEE_DATA_DIR"]).parent / "serve.log"
    try:
        with marquee_serve(env, log, edge_port=edge_port) as base:
            yield base
    except PlatformError as error:
        pytest.fail(str(error))


def test_serve_on_a_fresh_data_dir_migrates_and_is_ready(tmp_path: Path) -> None:
    edge_port = free_port()
    with _serving(_env(tmp_path / "var"), edge_port) as base:
        ready = httpx.get(f"{base}/readyz", timeout=5)
        edge = httpx.get(f"http://127.0.0.1:{edge_port}/healthz", timeout=5)
    assert edge.status_code == 200, "serve runs the edge role by default"
    assert edge.json()["region"] == "local"
    assert ready.status_code == 200, ready.text
    assert (tmp_path / "var" / "marquee.db").exists()
    assert (tmp_path / "var" / "secret_key").exists()


@pytest.mark.integration
def test_serve_on_postgresql_and_redis_migrates_and_every_dependency_is_ok(
    tmp_path: Path,
) -> None:
    with empty_database(POSTGRES_URL, "postgresql") as database_url:
        env = _env(tmp_path / "var", MARQUEE_DATABASE_URL=database_url, MARQUEE_CACHE_URL=REDIS_URL)
        with _serving(env) as base:
            ready = httpx.get(f"{base}/readyz", timeout=5).json()
    assert ready["status"] == "ok"
    assert all(check["ok"] for check in ready["checks"].values())


def test_a_bad_setting_stops_start_up_with_one_line_naming_it(tmp_path: Path) -> None:
    env = _env(tmp_path, MARQUEE_CACHE_URL="memcached://127.0.0.1")
    result = subprocess.run([*MARQUEE, "serve"], env=env, capture_output=True, text=True)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "MARQUEE_CACHE_URL" in lines[0]


FEED = (
    "type,title,director,cast,country,date_added,release_year,rating,duration,listed_in,"
    "description\nMovie,Night Ferry,Ada Lane,,France,,2021,PG,95 min,Dramas,A crossing.\n"
)
USER = ["user", "create", "--email", "first@example.com", "--password", "a-long-passphrase-9"]


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MARQUEE, *args], env=env, capture_output=True, text=True, timeout=120)


def test_user_create_on_an_empty_embedded_data_dir_migrates_it_first(tmp_path: Path) -> None:
    result = _run(_env(tmp_path / "var"), *USER)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip()) == 32, "prints the new account's id"


def test_catalog_import_on_an_empty_embedded_data_dir_migrates_it_first(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text(FEED)
    result = _run(_env(tmp_path / "var"), "catalog", "import", str(feed))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 created, 0 updated, 0 skipped"


@pytest.mark.integration
@pytest.mark.parametrize(
    ("command", "status"), [(USER, 1), (["catalog", "import", "feed.csv"], 2), (["worker"], 1)]
)
def test_commands_on_an_unmigrated_postgresql_database_say_how_to_fix_it(
    tmp_path: Path, command: list[str], status: int
) -> None:
    (tmp_path / "feed.csv").write_text(FEED)
    command = [str(tmp_path / part) if part == "feed.csv" else part for part in command]
    with empty_database(POSTGRES_URL, "postgresql") as database_url:
        result = _run(_env(tmp_path / "var", MARQUEE_DATABASE_URL=database_url), *command)
        assert result.returncode == status
        assert "database schema is at nothing" in result.stderr
        assert "run `marquee db upgrade`" in result.stderr
        assert _tables(database_url) == [], "a server database is left as it was"


def _tables(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_doctor_reports_each_dependency(tmp_path: Path) -> None:
    result = subprocess.run(
        [*MARQUEE, "doctor"], env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    for name in ("ffmpeg", "database", "storage", "cache", "queue", "events"):
        assert name in result.stderr


def test_doctor_says_when_the_events_bus_does_not_answer(tmp_path: Path) -> None:
    env = _env(tmp_path, MARQUEE_EVENTS_URL="redis://127.0.0.1:1/2")
    result = subprocess.run(
        [*MARQUEE, "doctor"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "unset MARQUEE_EVENTS_URL" in " ".join(result.stderr.split())
