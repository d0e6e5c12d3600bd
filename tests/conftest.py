"""Fixtures shared by every test: databases on each backend, settings and a running app."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from marquee import migrate
from marquee.settings import Settings, load_settings
from tests.scheduling import ByModuleAndSharedFolder
from tests.services import MARIADB_URL, POSTGRES_URL, need

#: Cheap argon2 for every platform the tests start, here and in the processes they start: the
#: default costs 64 MiB and a tenth of a second of CPU per hash, and the tests hash thousands.
os.environ.setdefault("MARQUEE_ARGON2_TIME_COST", "1")
os.environ.setdefault("MARQUEE_ARGON2_MEMORY_COST_KIB", "8")
os.environ.setdefault("MARQUEE_ARGON2_PARALLELISM", "1")

DATABASE_BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.integration),
    pytest.param("mariadb", marks=pytest.mark.integration),
]


@contextmanager
def empty_database(admin_url: str, service: str) -> Iterator[str]:
    """A new, empty database on a server (skipped or failed when the server is missing)."""
    need(service)
    name = f"marquee_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            # FORCE: a pooled connection a test left open must not fail the whole run.
            force = " WITH (FORCE)" if admin.dialect.name == "postgresql" else ""
            connection.execute(text(f"DROP DATABASE {name}{force}"))
        admin.dispose()


@contextmanager
def platform_database(backend: str) -> Iterator[dict[str, str]]:
    """The settings a platform takes to run on ``backend`` (a ``DATABASE_BACKENDS`` value): a new,
    empty database on its server as ``MARQUEE_DATABASE_URL``, none for SQLite (the data dir's)."""
    if backend == "sqlite":
        yield {}
        return
    admin = {"postgresql": POSTGRES_URL, "mariadb": MARIADB_URL}[backend]
    with empty_database(admin, backend) as url:
        yield {"MARQUEE_DATABASE_URL": url}


def _scratch_database(admin_url: str, service: str) -> Iterator[str]:
    """A database of its own for this test session, migrated once, dropped after."""
    with empty_database(admin_url, service) as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def postgresql_database_url() -> Iterator[str]:
    yield from _scratch_database(POSTGRES_URL, "postgresql")


@pytest.fixture(scope="session")
def mariadb_database_url() -> Iterator[str]:
    yield from _scratch_database(MARIADB_URL, "mariadb")


@pytest.fixture(scope="session")
def sqlite_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'marquee.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def empty_sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database no test writes to, for copies."""
    path = tmp_path_factory.mktemp("empty-db") / "marquee.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def own_sqlite_database_url(tmp_path: Path, empty_sqlite_database: Path) -> str:
    """A migrated SQLite database of this test alone, for tests that count everything in it
    (reports): the session's shared one holds other tests' rows and unrelayed events."""
    path = tmp_path / "own.db"
    with (
        closing(sqlite3.connect(empty_sqlite_database)) as empty,
        closing(sqlite3.connect(path)) as own,
    ):
        empty.backup(own)  # its write-ahead log included, which a file copy would miss
    return f"sqlite:///{path}"


@pytest.fixture(params=DATABASE_BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated database on each backend (SQLite always; servers when they answer)."""
    return str(request.getfixturevalue(f"{request.param}_database_url"))


@pytest.fixture
def settings(tmp_path: Path, sqlite_database_url: str) -> Settings:
    """Embedded-default settings in a fresh data dir (the database is migrated once a session)."""
    return load_settings(
        data_dir=tmp_path / "var", database_url=sqlite_database_url, env="test", log_json=False
    )


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> ByModuleAndSharedFolder:
    """pytest-xdist's hook: tests go out by module and by shared-fixture folder."""
    return ByModuleAndSharedFolder(config, log)
