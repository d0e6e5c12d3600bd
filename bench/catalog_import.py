"""Catalog import speed: rows per second of ``marquee catalog import`` on a CSV feed.

The feed is the public catalog (``shared/data/catalog/netflix_titles.csv``, 8,807 rows; its
first ``--rows`` only, if given) when it is there, else ``--rows`` generated rows of the same
shape (people shared between titles, series with seasons). Each database gets it twice,
through the importer's own code path (the CLI's for CSV: partial feed, a commit every 200
titles):

1. *first*: into an empty catalog, every title new (titles, genres, people, credits, ratings,
   windows, seasons, audit entries, ``catalog.title_published`` events);
2. *again*: the same file once more, every title matched by its key and nothing changed.

For each the bench prints rows/s and SQL statements per row as SQLAlchemy hands them to the
driver (an executemany counts once). SQLite (a temporary file) always; with ``--database-url``
(repeatable) also on that server, in a scratch database the bench creates there and drops
afterwards (the URL only says which server and how to connect; on MariaDB the scratch
database compares keys exactly, see ``scratch_database``).

    .venv/bin/python bench/catalog_import.py [--rows N] [--csv PATH]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--database-url mysql+pymysql://root@127.0.0.1:3306/mysql]
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from marquee import migrate
from marquee.catalog import feeds, importer
from marquee.catalog.schemas import ImportReport
from marquee.kit.db import Database
from marquee.settings import Settings, load_settings

FEED = Path(__file__).resolve().parents[2] / "shared" / "data" / "catalog" / "netflix_titles.csv"
WORDS = ["harbour", "light", "tide", "river", "winter", "signal", "orbit", "garden", "letter"]
NAMES = ["Ana", "Lee", "Jo", "Sam", "Kim", "Ravi", "Noor", "Eli", "Mia", "Tom", "Ines", "Yuki"]
RATINGS = ["PG", "PG-13", "R", "G"]


def generated(count: int) -> str:
    """``count`` CSV rows in the public catalog's shape: each names a director of 700, two
    actors of 500 who recur and four who do not (5.5 people per title over 2,000 rows; the
    public catalog has 4.6); every third is a series."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(feeds.CSV_COLUMNS)
    for n in range(count):
        series = n % 3 == 0
        recurring = [f"{NAMES[k]} Star{(n * 7 + k * 13) % 500}" for k in (1, 2)]
        cast = [*recurring, *(f"{NAMES[k]} {WORDS[n % 9].title()}{n}" for k in range(3, 7))]
        writer.writerow(
            [
                "TV Show" if series else "Movie",
                f"{WORDS[n % 9].title()} {WORDS[n * 7 % 9]} {n}",
                f"{NAMES[n % 12]} Director{n % 700}",
                ", ".join(cast),
                "France, United States",
                "September 25, 2021",
                1980 + n % 45,
                ("TV-14" if n % 2 else "TV-MA") if series else RATINGS[n % 4],
                f"{1 + n % 4} Seasons" if series else f"{80 + n % 60} min",
                f"Dramas, {WORDS[n % 4].title()}",
                f"A story of {WORDS[n % 5]} and {WORDS[n % 7]}, number {n}.",
            ]
        )
    return out.getvalue()


def first_rows(feed: str, count: int | None) -> str:
    """The header and the first ``count`` rows of a CSV text (all of them without a count)."""
    if count is None:
        return feed
    out = io.StringIO()
    writer = csv.writer(out)
    for n, row in enumerate(csv.reader(io.StringIO(feed, newline=""))):
        if n > count:
            break
        writer.writerow(row)
    return out.getvalue()


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of ``server_url``, dropped afterwards."""
    name = f"marquee_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    # MariaDB's default collation takes "Verónica" and "Veronica" for the same key, which
    # fails the public feed (two films, and people spelled both ways): compare exactly.
    binary = " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" if admin.dialect.name == "mysql" else ""
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}{binary}"))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            force = " WITH (FORCE)" if admin.dialect.name == "postgresql" else ""
            connection.execute(text(f"DROP DATABASE {name}{force}"))
        admin.dispose()


def import_once(db: Database, settings: Settings, feed: str) -> tuple[ImportReport, float, int]:
    """Import ``feed``; the report, the seconds it took, and the statements it sent."""
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        rows = feeds.read_csv(
            io.StringIO(feed, newline=""), language="en", territories=["US"], licensor="bench"
        )
        report = importer.import_rows(db, settings, rows, partial=True)
        took = time.perf_counter() - started
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return report, took, statements


def run(database_url: str, data_dir: Path, feed: str) -> None:
    migrate.upgrade(database_url)
    settings = load_settings(data_dir=data_dir, database_url=database_url, log_json=False)
    db = Database(database_url)
    db.ping()  # the dialect tells MariaDB from MySQL once connected
    label = "mariadb" if getattr(db.engine.dialect, "is_mariadb", False) else db.backend
    try:
        for phase in ("first", "again"):
            report, took, statements = import_once(db, settings, feed)
            rows = report.created + report.updated + len(report.errors)
            speed = f"{rows / took:6,.0f} rows/s, {statements / rows:5.2f} statements/row"
            summary = f"{report.created} created, {report.updated} updated"
            print(f"{label:<10} {phase:<5} {rows} rows in {took:6.1f} s: {speed} ({summary})")
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--csv", type=Path, default=FEED, help="the feed (default: the public one)")
    parser.add_argument("--rows", type=int, help="the feed's first N rows (generated: 2000)")
    parser.add_argument("--database-url", action="append", default=[], help="a server (repeat)")
    args = parser.parse_args()
    if args.csv.is_file():
        feed = first_rows(args.csv.read_text(encoding="utf-8-sig"), args.rows)
        print(f"feed: {args.csv}")
    else:
        feed = generated(args.rows or 2000)
        print(f"feed: generated rows ({args.csv} is not there)")
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'marquee.db'}", Path(tmp), feed)
        for server_url in args.database_url:
            with scratch_database(server_url) as url:
                run(url, Path(tmp), feed)


if __name__ == "__main__":
    main()
