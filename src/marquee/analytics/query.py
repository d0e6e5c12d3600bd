"""Queries over the lake in embedded DuckDB.

The files a query reads are the ones the ledger lists for its days. From a local directory
store DuckDB reads them in place; from S3 they are read with pyarrow through the platform's
object store and handed to DuckDB as Arrow (DuckDB's httpfs extension is downloaded at run
time, which Marquee never does). A file that cannot be read is quarantined
(:func:`~marquee.analytics.lake.quarantine`) and the query runs again without it.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from marquee.analytics import lake, rollup
from marquee.analytics.rows import SCHEMA
from marquee.kit.db import Database
from marquee.kit.storage import LocalObjectStore, ObjectNotFound, ObjectStore

Result = tuple[list[str], list[tuple[Any, ...]]]
#: The names of the lake's views, as a query's SQL reads them.
VIEW_NAMES = re.compile(r"\b(events|lake|sessions)\b")


@dataclass
class Sources:
    """The files a query reads: the period's raw files, every day's (for renditions) and the
    sessions files that still sum their day (see :mod:`.rollup`)."""

    period: list[str] = field(default_factory=list)
    everything: list[str] = field(default_factory=list)
    summed: list[str] = field(default_factory=list)
    unsummed: list[str] = field(default_factory=list)


def sources(db: Database, first: date, last: date) -> Sources:
    with db.sessions() as session:
        raw = lake.live_files(session)
        summaries = {f.key for f in lake.live_files(session, prefix=rollup.PREFIX)}
    found = Sources(everything=[f.key for f in raw])
    by_day: dict[str, list[str]] = {}
    for lake_file in raw:
        if str(first) <= lake_file.day <= str(last):
            by_day.setdefault(lake_file.day, []).append(lake_file.key)
    for day, keys in sorted(by_day.items()):
        found.period += keys
        summary = rollup.key_for(day, keys)
        if summary in summaries:
            found.summed.append(summary)
        else:
            found.unsummed += keys
    return found


def summed_day(db: Database, store: ObjectStore, day: date) -> pa.Table:
    """The day's raw rows summed per session (what :mod:`.rollup` keeps)."""
    connection = _database().cursor()
    try:
        _views(connection, store, sources(db, day, day), {"sessions"})
        return connection.sql("SELECT * FROM sessions").to_arrow_table()
    finally:
        connection.close()


def run(
    db: Database,
    store: ObjectStore,
    sql: str,
    *,
    first: date,
    last: date,
    parameters: Mapping[str, Any] | None = None,
    tables: Mapping[str, pa.Table] | None = None,
) -> Result:
    """Run ``sql`` against the views ``events`` (the lake's rows of days ``first``..``last``),
    ``sessions`` (those rows summed per session and day, :mod:`.rollup`), ``lake`` (every
    day's rows, for facts older than the period such as renditions; the same as ``events`` on
    S3, where every file read is fetched whole) and ``tables`` (facts from elsewhere, by
    name); the column names and the rows."""
    given = tables or {}
    for _attempt in range(2):
        found = sources(db, first, last)
        try:
            return _execute(store, found, sql, parameters or {}, given)
        except (duckdb.IOException, duckdb.InvalidInputException, pa.ArrowInvalid, ObjectNotFound):
            if not lake.quarantine(db, store, found.everything + found.summed):
                raise
    return _execute(store, Sources(), sql, parameters or {}, given)


def _execute(
    store: ObjectStore,
    found: Sources,
    sql: str,
    parameters: Mapping[str, Any],
    tables: Mapping[str, pa.Table],
) -> Result:
    connection = _database().cursor()
    try:
        _views(connection, store, found, _views_in(sql))
        for name, table in tables.items():
            connection.register(name, table)
        cursor = connection.execute(sql, dict(parameters))
        columns = [column[0] for column in cursor.description or ()]
        return columns, cursor.fetchall()
    finally:
        connection.close()


@functools.cache
def _database() -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB, opened once (opening costs ~100 ms); each query gets a
    cursor of its own, whose views are its own (temporary views are per cursor)."""
    database = duckdb.connect()
    database.execute("SET TimeZone = 'UTC'")
    return database


def _views_in(sql: str) -> set[str]:
    """The lake's views ``sql`` reads."""
    return set(VIEW_NAMES.findall(sql))


def _views(
    connection: duckdb.DuckDBPyConnection, store: ObjectStore, found: Sources, wanted: set[str]
) -> None:
    """The views ``wanted`` (a view costs its files' footers to make, so a query gets only
    those it reads)."""
    if not isinstance(store, LocalObjectStore):
        _arrow_view(connection, store, "events", found.period)
        connection.execute("CREATE TEMPORARY VIEW lake AS SELECT * FROM events")
        connection.sql(rollup.summing("events")).create_view("sessions")
        return
    summing = "sessions" in wanted and (found.unsummed or not found.summed)
    if "events" in wanted:
        _parquet_view(connection, store, "events", found.period)
    if "lake" in wanted or summing:  # summing days reads the renditions of every day
        _parquet_view(connection, store, "lake", found.everything)
    if "sessions" not in wanted:
        return
    summed = [str(store.local_path(key)) for key in found.summed]
    if not summing:
        connection.read_parquet(summed).create_view("sessions")
        return
    _parquet_view(connection, store, "unsummed", found.unsummed)
    sessions = connection.sql(rollup.summing("unsummed"))
    if summed:
        sessions = connection.read_parquet(summed).union(sessions)
    sessions.create_view("sessions")


def _parquet_view(
    connection: duckdb.DuckDBPyConnection, store: LocalObjectStore, name: str, keys: list[str]
) -> None:
    """The rows of the files ``keys``, each id once (a day of several files is deduplicated:
    a batch delivered twice wrote its rows twice)."""
    if not keys:
        connection.register(name, SCHEMA.empty_table())
        return
    alone, shared = lake.shared_days(keys)
    if not shared:
        _read_parquet(connection, store, alone).create_view(name)
        return
    rows = _read_parquet(connection, store, shared).select(*SCHEMA.names)
    deduplicated = rows.query("shared", "SELECT DISTINCT ON (id) * FROM shared")
    once = cast(duckdb.DuckDBPyRelation, deduplicated)  # a SELECT always gives a relation
    if alone:  # a union is by position: both in SCHEMA's order (every lake file has its columns)
        once = _read_parquet(connection, store, alone).select(*SCHEMA.names).union(once)
    once.create_view(name)


def _read_parquet(
    connection: duckdb.DuckDBPyConnection, store: LocalObjectStore, keys: list[str]
) -> duckdb.DuckDBPyRelation:
    paths = [str(store.local_path(key)) for key in keys]
    return connection.read_parquet(paths, union_by_name=True)


def _arrow_view(
    connection: duckdb.DuckDBPyConnection, store: ObjectStore, name: str, keys: list[str]
) -> None:
    alone, shared = lake.shared_days(keys)
    tables = [_fetch(store, key) for key in alone]
    if shared:
        merged = pa.concat_tables([_fetch(store, key) for key in shared], promote_options="default")
        tables.append(lake.distinct(merged))
    table = pa.concat_tables(tables, promote_options="default") if tables else SCHEMA.empty_table()
    connection.register(name, table)


def _fetch(store: ObjectStore, key: str) -> pa.Table:
    return pq.read_table(io.BytesIO(store.get_bytes(key)))
