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
from collections.abc import Mapping
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from marquee.analytics import lake
from marquee.analytics.rows import SCHEMA
from marquee.kit.db import Database
from marquee.kit.storage import LocalObjectStore, ObjectNotFound, ObjectStore

Result = tuple[list[str], list[tuple[Any, ...]]]


def run(
    db: Database,
    store: ObjectStore,
    sql: str,
    *,
    first: date,
    last: date,
    parameters: Mapping[str, Any] | None = None,
) -> Result:
    """Run ``sql`` against the view ``events`` (the lake's rows of days ``first``..``last``)
    and ``lake`` (every day's, for facts older than the period such as renditions; the same as
    ``events`` on S3, where every file read is fetched whole); the column names and the rows."""
    for _attempt in range(2):
        with db.sessions() as session:
            files = lake.live_files(session)
        everything = [f.key for f in files]
        keys = [f.key for f in files if str(first) <= f.day <= str(last)]
        try:
            return _execute(store, keys, everything, sql, parameters or {})
        except (duckdb.IOException, duckdb.InvalidInputException, pa.ArrowInvalid, ObjectNotFound):
            if not lake.quarantine(db, store, everything):
                raise
    return _execute(store, [], [], sql, parameters or {})


def _execute(
    store: ObjectStore,
    keys: list[str],
    everything: list[str],
    sql: str,
    parameters: Mapping[str, Any],
) -> Result:
    connection = _database().cursor()
    try:
        _events_view(connection, store, keys)
        if isinstance(store, LocalObjectStore) and everything:
            paths = [str(store.local_path(key)) for key in everything]
            connection.read_parquet(paths, union_by_name=True).create_view("lake")
        else:
            connection.execute("CREATE TEMPORARY VIEW lake AS SELECT * FROM events")
        cursor = connection.execute(sql, dict(parameters))
        columns = [column[0] for column in cursor.description or ()]
        return columns, cursor.fetchall()
    finally:
        connection.close()


@functools.cache
def _database() -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB, opened once (opening costs ~100 ms); each query gets a
    cursor of its own, whose ``events`` view is its own (temporary views are per cursor)."""
    database = duckdb.connect()
    database.execute("SET TimeZone = 'UTC'")
    return database


def _events_view(
    connection: duckdb.DuckDBPyConnection, store: ObjectStore, keys: list[str]
) -> None:
    if not keys:
        connection.register("events", SCHEMA.empty_table())
    elif isinstance(store, LocalObjectStore):
        paths = [str(store.local_path(key)) for key in keys]
        connection.read_parquet(paths, union_by_name=True).create_view("events")
    else:
        tables = [pq.read_table(io.BytesIO(store.get_bytes(key))) for key in keys]
        connection.register("events", pa.concat_tables(tables, promote_options="default"))
