"""The event lake: Parquet files in the object store under ``analytics/lake/day=YYYY-MM-DD/``,
listed in the database (:class:`~marquee.analytics.models.LakeFile`).

Exactly once: a batch claims its event ids in the ledger (the ids already there are left out),
writes those events' files and lists them, all in one transaction. A consumer killed before
the commit leaves no claim and no listed file (a file it wrote is never read: readers read only
listed files), so the retry writes the events again. Two consumers racing on the same events
collide on the ledger's key: the loser rolls back, deletes its files and is retried, finding
the ids taken. (No savepoint: with SQLite's Python driver, releasing the first savepoint of a
transaction commits it.)
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable, Sequence
from typing import cast

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from marquee.analytics.models import LakeEvent, LakeFile
from marquee.analytics.rows import Row, as_table
from marquee.kit.db import Database
from marquee.kit.storage import ObjectNotFound, ObjectStore

log = logging.getLogger(__name__)
PREFIX = "analytics/lake"
QUARANTINE = "analytics/quarantine"
#: Ids asked of the ledger per query (well under every backend's bound parameter limit).
ID_CHUNK = 900


def file_key(day: str, name: str) -> str:
    return f"{PREFIX}/day={day}/{name}.parquet"


def content_name(kind: str, parts: Iterable[str]) -> str:
    """A file name fixed by what goes in it, so writing the same thing again hits the same key."""
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return f"{kind}-{digest}"


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def append(db: Database, store: ObjectStore, rows: Sequence[Row]) -> int:
    """Write the rows not yet in the lake; how many were new."""
    if not rows:
        return 0
    table = distinct(as_table(list(rows)))
    days = pc.strftime(table["at"], format="%Y-%m-%d")
    written: list[str] = []
    try:
        with db.transaction() as session:
            fresh = claim(session, table["id"].to_pylist(), days.to_pylist())
            if len(fresh) < table.num_rows:
                kept = pc.is_in(table["id"], pa.array(fresh, pa.string()))
                table, days = table.filter(kept), days.filter(kept)
            for day in pc.unique(days).to_pylist():
                part = table.filter(pc.equal(days, day)).sort_by("at")
                key = file_key(day, content_name("part", part["id"].to_pylist()))
                info = store.put_bytes(key, parquet_bytes(part))
                written.append(key)
                session.add(LakeFile(key=key, day=day, rows=part.num_rows, size=info.size))
    except Exception:
        for key in written:
            store.delete(key)
        raise
    return int(table.num_rows)


def claim(session: Session, ids: list[str], days: list[str]) -> list[str]:
    """Add the ids (each with its day) to the ledger, but those it holds; the ids added. An id
    another consumer adds meanwhile fails the insert (the caller's transaction rolls back)."""
    ledger = cast(Table, LakeEvent.__table__)
    known: set[str] = set()
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        known.update(session.scalars(select(ledger.c.event_id).where(ledger.c.event_id.in_(chunk))))
    fresh = [(i, d) for i, d in zip(ids, days, strict=True) if i not in known]
    if fresh:
        session.connection().execute(ledger.insert(), [{"event_id": i, "day": d} for i, d in fresh])
    return [i for i, _ in fresh]


def distinct(table: pa.Table) -> pa.Table:
    """The first row of each id, in the table's order."""
    numbered = table.append_column("_row", pa.array(range(table.num_rows), pa.int64()))
    firsts = numbered.group_by("id", use_threads=False).aggregate([("_row", "min")])["_row_min"]
    if len(firsts) == table.num_rows:
        return table
    return table.take(pc.sort_indices(firsts))


def live_files(
    session: Session, *, first_day: str = "", last_day: str = "9999", prefix: str = PREFIX
) -> list[LakeFile]:
    """The readable files under ``prefix`` (the raw events by default) whose day is in
    ``[first_day, last_day]``."""
    query = (
        select(LakeFile)
        .where(LakeFile.state == "live", LakeFile.day >= first_day, LakeFile.day <= last_day)
        .where(LakeFile.key.startswith(f"{prefix}/"))
        .order_by(LakeFile.day, LakeFile.key)
    )
    return list(session.scalars(query))


def readable(store: ObjectStore, key: str) -> bool:
    """Whether the file's Parquet footer can be read (a file cut short by a crash cannot)."""
    try:
        pq.read_metadata(io.BytesIO(store.get_bytes(key)))
    except (pa.ArrowInvalid, OSError, ObjectNotFound):
        return False
    return True


def quarantine(db: Database, store: ObjectStore, keys: Iterable[str]) -> list[str]:
    """Move the unreadable ones of ``keys`` aside (``analytics/quarantine/…``) and stop listing
    them, so that queries go on without them; the keys moved."""
    moved = [key for key in keys if not readable(store, key)]
    for key in moved:
        log.error("analytics: lake file %s is missing or not Parquet; quarantined", key)
        if store.exists(key):
            aside = f"{QUARANTINE}/{key.removeprefix(PREFIX + '/')}"
            store.put_bytes(aside, store.get_bytes(key))
        with db.transaction() as session:
            row = session.get(LakeFile, key)
            if row is not None:
                row.state = "quarantined"
        store.delete(key)
    return moved


def replace_files(
    db: Database, store: ObjectStore, old: Sequence[LakeFile], new: dict[str, pa.Table]
) -> None:
    """Swap ``old`` files for ``new`` ones (key: table; an empty table writes nothing) in one
    transaction, then delete the old objects: a crash before the commit leaves the old files
    listed, after it only unlisted objects."""
    written = []
    for key, table in new.items():
        if table.num_rows:
            info = store.put_bytes(key, parquet_bytes(table))
            day = key.split("/day=", 1)[1][:10]
            written.append(LakeFile(key=key, day=day, rows=table.num_rows, size=info.size))
    with db.transaction() as session:
        session.execute(delete(LakeFile).where(LakeFile.key.in_([f.key for f in old])))
        session.add_all(written)
    for lake_file in old:
        if lake_file.key not in new:
            store.delete(lake_file.key)
