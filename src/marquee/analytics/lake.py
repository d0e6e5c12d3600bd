"""The event lake: Parquet files in the object store under ``analytics/lake/day=YYYY-MM-DD/``,
listed in the database (:class:`~marquee.analytics.models.LakeFile`).

Exactly once: a batch first drops the events whose ids the ledger already holds, then writes
its files (named by a hash of their event ids, so a retried batch rewrites the same keys), then
records the files and the event ids in one transaction. A consumer killed before that commit
leaves files nobody lists, which readers never see; the retry writes the events again and
records them. Two consumers racing on the same events collide on the ledger's primary key and
the loser's transaction rolls back (its files are deleted, its batch retried and found written).
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from marquee.analytics.models import LakeEvent, LakeFile
from marquee.analytics.rows import Row, as_table, day_of
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
    fresh = _not_yet_written(db, rows)
    if not fresh:
        return 0
    by_day: dict[str, list[Row]] = defaultdict(list)
    for row in fresh:
        by_day[day_of(row["at"])].append(row)
    written: list[LakeFile] = []
    try:
        for day, day_rows in sorted(by_day.items()):
            key = file_key(day, content_name("part", (row["id"] for row in day_rows)))
            info = store.put_bytes(key, parquet_bytes(as_table(day_rows)))
            written.append(LakeFile(key=key, day=day, rows=len(day_rows), size=info.size))
        with db.transaction() as session:
            _record(session, written, by_day)
    except Exception:
        for lake_file in written:
            store.delete(lake_file.key)
        raise
    return len(fresh)


def _not_yet_written(db: Database, rows: Sequence[Row]) -> list[Row]:
    """The rows whose ids neither the ledger nor an earlier row of the batch holds."""
    unique = list({row["id"]: row for row in reversed(rows)}.values())[::-1]
    ids = [row["id"] for row in unique]
    known: set[str] = set()
    with db.sessions() as session:
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            known.update(
                session.scalars(select(LakeEvent.event_id).where(LakeEvent.event_id.in_(chunk)))
            )
    return [row for row in unique if row["id"] not in known]


def _record(session: Session, files: list[LakeFile], by_day: dict[str, list[Row]]) -> None:
    session.add_all(files)
    ledger = [{"event_id": row["id"], "day": day} for day, rows in by_day.items() for row in rows]
    session.execute(insert(LakeEvent), ledger)


def live_files(session: Session, *, first_day: str = "", last_day: str = "9999") -> list[LakeFile]:
    """The lake's readable files whose day is in ``[first_day, last_day]``."""
    query = (
        select(LakeFile)
        .where(LakeFile.state == "live", LakeFile.day >= first_day, LakeFile.day <= last_day)
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
            day = key.removeprefix(f"{PREFIX}/day=")[:10]
            written.append(LakeFile(key=key, day=day, rows=table.num_rows, size=info.size))
    with db.transaction() as session:
        session.execute(delete(LakeFile).where(LakeFile.key.in_([f.key for f in old])))
        session.add_all(written)
    for lake_file in old:
        if lake_file.key not in new:
            store.delete(lake_file.key)
