"""Catalog events through to the search index: how fast an imported catalog becomes searchable.

Two phases, each importing N generated titles with ``marquee catalog import``'s code path (the
importer commits every 200 titles and publishes ``catalog.title_published`` for each):

1. *backlog*: the import runs with the platform stopped, then the outbox relay and the event
   consumers start and the bench times until this node's index holds every title: the
   throughput of the event path alone (relay, transport, index handler);
2. *live*: the import runs with the platform started, as an operator's would; the bench times
   until every title is searchable and counts how often the browse cache generation moved
   (each move turns every cached browse answer stale).

    .venv/bin/python bench/events.py [--titles 5000]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB]
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
from marquee.catalog import feeds, importer, schemas
from marquee.discovery.browse import GENERATION_KEY
from marquee.discovery.index import SearchIndex
from marquee.discovery.node import node_for
from marquee.runtime import Platform, build_platform
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


def records(count: int, run: str) -> Iterator[feeds.Row]:
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
        yield feeds.Row(number + 1, record)


def import_titles(platform: Platform, count: int) -> tuple[int, float]:
    """Import ``count`` new titles; how many were created and the seconds it took."""
    started = time.perf_counter()
    rows = records(count, run=str(time.time_ns()))
    report = importer.import_rows(platform.db, platform.settings, rows, partial=False)
    return report.created, time.perf_counter() - started


def wait_indexed(index: SearchIndex, count: int, started: float, timeout: float) -> float:
    """Seconds from ``started`` until the index holds ``count`` documents."""
    while index.size() < count:
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"only {index.size()} of {count} indexed after {timeout} s")
        time.sleep(0.02)
        index.index.reload()
    return time.perf_counter() - started


def generation(platform: Platform) -> int:
    return int(platform.cache.get_many(GENERATION_KEY)[0] or 0)


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
            data_dir=data_dir,
            database_url=database_url,
            events_url=args.events_url,
            discovery_reindex_on_start=False,
            log_json=False,
        )
        platform = build_platform(settings)
        index = node_for(settings).index
        base = index.size()
        created, imported = import_titles(platform, args.titles)
        platform.start(worker=False)
        try:
            started = time.perf_counter()
            backlog = wait_indexed(index, base + created, started, args.timeout)
            moved_from = generation(platform)
            started = time.perf_counter()
            live_created, live_imported = import_titles(platform, args.titles)
            live = wait_indexed(index, base + created + live_created, started, args.timeout)
            moves = generation(platform) - moved_from
        finally:
            platform.stop()
    print(f"backlog: {created} titles imported in {imported:.1f} s ({created / imported:,.0f}/s)")
    print(f"backlog: indexed {backlog:.2f} s after the relay started: {created / backlog:,.0f}/s")
    print(f"live:    {live_created} titles imported in {live_imported:.1f} s")
    print(f"live:    all searchable {live:.1f} s after the import started")
    print(f"live:    browse generation moved {moves} times during the import")


if __name__ == "__main__":
    main()
