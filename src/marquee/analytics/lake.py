"""The event lake: Parquet files in the object store under ``analytics/lake/day=YYYY-MM-DD/``,
listed in the database (:class:`~marquee.analytics.models.LakeFile`).

Each event counts once: a batch writes its rows (each id once within the batch) as one file per
day and lists the files, in one transaction; readers read only listed files and count each id
once per day (:mod:`.query` deduplicates the days that have several files, compaction keeps one
row per id). A consumer killed before the commit leaves only unlisted files (never read, deleted
by :func:`sweep` once old); a batch delivered again is written again and counted once. Rows of
erased viewers (:class:`~marquee.analytics.models.ErasedViewer`) are left out, so a redelivered
or late event does not bring them back.
"""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from marquee.analytics.models import ErasedViewer, LakeFile
from marquee.kit.db import Database
from marquee.kit.storage import ObjectNotFound, ObjectStore

log = logging.getLogger(__name__)
PREFIX = "analytics/lake"
QUARANTINE = "analytics/quarantine"
#: Pseudonyms asked of the database per query (well under every backend's parameter limit).
ID_CHUNK = 900
#: The erased ones of some pseudonyms (built once: building the statement per batch costs more
#: than running it).
ERASED_AMONG = select(ErasedViewer.pseudonym).where(
    ErasedViewer.pseudonym.in_(bindparam("names", expanding=True))
)
#: Rows per Parquet row group (pyarrow's default is a million): a compacted day holds many,
#: each with its min and max of every column, which DuckDB reads to skip groups.
ROW_GROUP_ROWS = 32_768
#: How a file's name says when it was written (UTC).
STAMP = "%Y%m%dT%H%M%S"


def file_key(day: str, name: str) -> str:
    return f"{PREFIX}/day={day}/{name}.parquet"


def day_of(key: str) -> str:
    """The day (``YYYY-MM-DD``) of a lake or sessions file, from its key."""
    return key.split("/day=", 1)[1][:10]


def shared_days(keys: Sequence[str]) -> tuple[list[str], list[str]]:
    """``keys`` split into those alone in their day and those sharing it: only the latter can
    hold an id twice (a file holds each id once), so only they need deduplicating."""
    per_day = Counter(day_of(key) for key in keys)
    alone = [key for key in keys if per_day[day_of(key)] == 1]
    return alone, [key for key in keys if per_day[day_of(key)] > 1]


def content_name(kind: str, parts: Iterable[str]) -> str:
    """A file name fixed by what goes in it, so writing the same thing again hits the same key."""
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return f"{kind}-{digest}"


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", row_group_size=ROW_GROUP_ROWS)
    return sink.getvalue()


def in_kind_order(table: pa.Table) -> pa.Table:
    """A compacted file's order: by kind, then time, so that the rows of a rare kind (titles,
    renditions, subscriptions, revenue) sit in one or two row groups, which queries for them
    find by the groups' min and max of ``kind`` and read alone."""
    return table.sort_by([("kind", "ascending"), ("at", "ascending")])


@dataclass(frozen=True)
class Appended:
    """What :func:`append` did."""

    rows: int
    #: The days the batch's rows fall on (those of erased viewers included).
    days: list[str]
    #: The batch's viewers and profiles found erased, before the write or just after it.
    erased: list[str]


def append(db: Database, store: ObjectStore, table: pa.Table) -> Appended:
    """Write the rows (a table of :data:`~.rows.SCHEMA`), one file per day, leaving out those
    of erased viewers (a row already in the lake is written again and counted once by readers).

    An erasure that commits between this batch's look at the erased viewers and the listing of
    its files may have looked for their rows before those files were listed; so the batch looks
    again once its files are listed, and returns whom it found erased either time: the caller
    removes their rows from the batch's days (:func:`~.upkeep.erase_viewer`), which also
    covers a batch that was killed before doing so and is delivered again."""
    if not table.num_rows:
        return Appended(0, [], [])
    table = distinct(table)
    people = _people(table)
    days = pc.strftime(table["at"], format="%Y-%m-%d")
    all_days = sorted(pc.unique(days).to_pylist())
    with db.transaction() as session:
        erased = _erased_among(session, people)
        if erased:
            kept = pc.invert(_rows_of(table, erased))
            table, days = table.filter(kept), days.filter(kept)
        for day in pc.unique(days).to_pylist():
            part = table.filter(pc.equal(days, day)).sort_by("at")
            key = file_key(day, new_name("part"))
            info = store.put_bytes(key, parquet_bytes(part))
            session.add(LakeFile(key=key, day=day, rows=part.num_rows, size=info.size))
    found = set(erased)
    with db.sessions() as session:
        erased += _erased_among(session, [name for name in people if name not in found])
    return Appended(int(table.num_rows), all_days, sorted(erased))


def new_name(kind: str, *, now: datetime | None = None) -> str:
    """A file name of its own, starting with when it was written (:func:`sweep` reads it)."""
    return f"{kind}-{(now or datetime.now(UTC)).strftime(STAMP)}-{uuid.uuid4().hex[:16]}"


def written_at(key: str) -> datetime | None:
    """When the file ``key`` was written, from its name (None for a name without a time)."""
    stamp = key.rsplit("/", 1)[-1].split("-")[1:2]
    try:
        return datetime.strptime(stamp[0], STAMP).replace(tzinfo=UTC) if stamp else None
    except ValueError:
        return None


def sweep(db: Database, store: ObjectStore, *, older_than: timedelta, now: datetime) -> int:
    """Delete the lake's files that no row lists and that were written more than
    ``older_than`` before ``now`` (what killed consumers and compactions left: nothing will
    list them any more); how many."""
    with db.sessions() as session:
        listed = set(session.scalars(select(LakeFile.key)))
    swept = 0
    for info in list(store.list(f"{PREFIX}/")):
        written = written_at(info.key)
        if info.key not in listed and written is not None and written < now - older_than:
            store.delete(info.key)
            swept += 1
    return swept


def _people(table: pa.Table) -> list[str]:
    """The viewers and profiles of the rows."""
    both = pa.concat_arrays([table["viewer"].combine_chunks(), table["profile"].combine_chunks()])
    return list(pc.unique(both).drop_null().to_pylist())


def _erased_among(session: Session, names: list[str]) -> list[str]:
    erased: list[str] = []
    for start in range(0, len(names), ID_CHUNK):
        chunk = names[start : start + ID_CHUNK]
        erased.extend(session.scalars(ERASED_AMONG, {"names": chunk}))
    return erased


def _rows_of(table: pa.Table, names: list[str]) -> pa.ChunkedArray:
    """Whether each row is of one of these viewers or profiles."""
    gone = pa.array(names, pa.string())
    return pc.or_(
        pc.fill_null(pc.is_in(table["viewer"], gone), False),
        pc.fill_null(pc.is_in(table["profile"], gone), False),
    )


def distinct(table: pa.Table) -> pa.Table:
    """The first row of each id, in the table's order."""
    if pc.count_distinct(table["id"]).as_py() == table.num_rows:
        return table
    numbered = table.append_column("_row", pa.array(range(table.num_rows), pa.int64()))
    firsts = numbered.group_by("id", use_threads=False).aggregate([("_row", "min")])["_row_min"]
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
            written.append(LakeFile(key=key, day=day_of(key), rows=table.num_rows, size=info.size))
    with db.transaction() as session:
        session.execute(delete(LakeFile).where(LakeFile.key.in_([f.key for f in old])))
        session.add_all(written)
    for lake_file in old:
        if lake_file.key not in new:
            store.delete(lake_file.key)
