"""The database in a backup: each engine's own consistent dump, and its restore.

PostgreSQL: ``pg_dump --format=custom`` (one snapshot transaction) and ``pg_restore``.
MariaDB: ``mariadb-dump --single-transaction`` and the ``mariadb`` client. SQLite: the online
backup API of Python's ``sqlite3``, a consistent copy while the platform keeps writing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import IO

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from marquee.kit.backup.manifest import BackupError
from marquee.kit.db import create_db_engine

DUMP_FILES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump", "mysql": "database.sql"}


def backend_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in DUMP_FILES:
        raise BackupError(f"no backup for a {backend} database")
    return backend


def revision_and_emptiness(url: str) -> tuple[str | None, bool]:
    """The database's Alembic revision (None without one) and whether it has no table at all."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            if "alembic_version" not in tables:
                return None, not tables
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return revision, False
    finally:
        engine.dispose()


def dump(url: str, target_dir: Path) -> str:
    """Write the database's dump into ``target_dir``; returns the file's name."""
    backend = backend_of(url)
    target = target_dir / DUMP_FILES[backend]
    parsed = make_url(url)
    if backend == "sqlite":
        _sqlite_copy(Path(str(parsed.database)), target)
    elif backend == "postgresql":
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(target),
                "--dbname",
                _libpq(parsed),
            ],
            parsed,
        )
    else:
        _run(
            [
                "mariadb-dump",
                *_mariadb_args(parsed),
                "--single-transaction",
                "--routines",
                "--result-file",
                str(target),
                str(parsed.database),
            ],
            parsed,
        )
    return target.name


def restore(url: str, dump_file: Path, *, replace: bool) -> None:
    """Load a dump into the database at ``url`` (replacing what is there when ``replace``)."""
    backend = backend_of(url)
    parsed = make_url(url)
    if backend == "sqlite":
        _sqlite_copy(dump_file, Path(str(parsed.database)))
    elif backend == "postgresql":
        clean = ["--clean", "--if-exists"] if replace else []
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                *clean,
                "--dbname",
                _libpq(parsed),
                str(dump_file),
            ],
            parsed,
        )
    else:
        with dump_file.open("rb") as stdin:
            _run(["mariadb", *_mariadb_args(parsed), str(parsed.database)], parsed, stdin=stdin)


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API, written beside the target and renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(partial)) as copy:
        origin.backup(copy)
    for leftover in (
        target.with_name(target.name + "-wal"),
        target.with_name(target.name + "-shm"),
    ):
        leftover.unlink(missing_ok=True)
    partial.replace(target)


def _libpq(url: URL) -> str:
    """The URL without SQLAlchemy's driver and password (the password goes in PGPASSWORD)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _mariadb_args(url: URL) -> list[str]:
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 3306)]
    return [*args, "--user", url.username or "root"]


def _run(command: list[str], url: URL, *, stdin: IO[bytes] | None = None) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not installed: install the {url.get_backend_name()} client tools"
        )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD" if tool.startswith("pg_") else "MYSQL_PWD"] = str(url.password)
    done = subprocess.run(
        command,
        env=env,
        stdin=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-500:]}")
