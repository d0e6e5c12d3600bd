"""Catalog events through to the search index: how fast an imported catalog becomes searchable.

Imports N generated titles with ``marquee catalog import``'s code path (the importer commits
every 200 titles and publishes ``catalog.title_published`` for each), starts the platform's
outbox relay and event consumers, and times until this node's search index holds every title.
Prints the import time, the time to searchable, events per second, and how often the browse
cache generation moved (each move turns every cached browse answer stale).

    .venv/bin/python bench/events.py [--titles 5000]
        [--database-url postgresql+psycopg://127.0.0.1:5432/test]
        [--events-url redis://127.0.0.1:6379/0 | nats://127.0.0.1:4222]

A server database is used as given (a scratch one is best); the default is SQLite in a
temporary directory.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from marquee import migrate
from marquee.catalog import importer, schemas
from marquee.discovery.browse import GENERATION_KEY
from marquee.discovery.node import node_for
from marquee.runtime import build_platform
from marquee.settings import load_settings

WORDS = [
    "harbour",
    "light",
    "tide",
    "river",
    "winter",
    "signal",
    "orbit",
    "garden",
    "letter",
    "mirror",
    "station",
    "north",
]


def records(count: int, run: str) -> Iterator[importer.Row]:
    for number in range(count):
        name = f"{WORDS[number % len(WORDS)].title()} {WORDS[number * 7 % len(WORDS)]} {number}"
        record = schemas.TitleRecord(
            external_key=f"bench:{run}:{number}",
            kind="movie",
            status="published",
            original_title=name,
            original_language="en",
            synopsis=f"A story of {WORDS[number % 5]} and {WORDS[number % 11]}, number {number}.",
            release_year=1980 + number % 45,
            runtime_s=5400,
            genres=[WORDS[number % 4].title()],
            windows=[
                schemas.WindowIn(
                    territories=["US", "FR"], starts_at=datetime(2020, 1, 1, tzinfo=UTC)
                )
            ],
        )
        yield importer.Row(number + 1, record)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--titles", type=int, default=5000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--events-url", default="")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        database_url = args.database_url or f"sqlite:///{data_dir / 'marquee.db'}"
        migrate.upgrade(database_url)
        settings = load_settings(
            data_dir=data_dir, database_url=database_url, events_url=args.events_url
        )
        platform = build_platform(settings)
        platform.start(worker=False)
        index = node_for(settings).index
        before = index.size()
        generation = platform.cache.get_many(GENERATION_KEY)[0] or 0
        try:
            started = time.perf_counter()
            rows = records(args.titles, run=str(time.time_ns()))
            report = importer.import_rows(platform.db, settings, rows, partial=False)
            imported = time.perf_counter() - started
            while index.size() < before + report.created:
                if time.perf_counter() - started > args.timeout:
                    raise SystemExit(f"only {index.size() - before} indexed after the timeout")
                time.sleep(0.05)
                index.index.reload()
            searchable = time.perf_counter() - started
            moved = int(platform.cache.get_many(GENERATION_KEY)[0] or 0) - int(generation)
        finally:
            platform.stop()
    print(f"titles imported:          {report.created}")
    print(
        f"import:                   {imported:8.1f} s ({report.created / imported:,.0f} titles/s)"
    )
    print(f"searchable after:         {searchable:8.1f} s")
    print(f"through to the index:     {report.created / searchable:8,.0f} events/s")
    print(f"browse generation moved:  {moved:8d} times")


if __name__ == "__main__":
    main()
