"""Keeping the lake in shape: compacting a day's small files into one, deleting the days past
``MARQUEE_ANALYTICS_RETENTION_DAYS``, and erasing a deleted account's rows.

Each rewrites files through :func:`~marquee.analytics.lake.replace_files` (new files and the
ledger swap in one transaction), so a crash midway leaves the lake as it was or as it should be.
Rewrites drop duplicate ids too, should any have got in.
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import delete, select

from marquee.analytics import lake, query, rollup
from marquee.analytics.models import ErasedViewer, LakeFile
from marquee.analytics.rows import SCHEMA
from marquee.kit.db import Database
from marquee.kit.storage import ObjectStore
from marquee.settings import Settings

log = logging.getLogger(__name__)
#: How old a lake file nothing lists must be before compaction deletes it: far longer than a
#: batch's or a compaction's transaction lasts, so that nobody is still about to list it.
ORPHAN_AGE = timedelta(hours=1)


def compact(
    db: Database, store: ObjectStore, *, min_files: int, now: datetime | None = None
) -> int:
    """Merge each day that has ``min_files`` files or more into one file (in
    :func:`~.lake.in_kind_order`), and delete the files nothing lists that are older than
    :data:`ORPHAN_AGE`; the days merged."""
    swept = lake.sweep(db, store, older_than=ORPHAN_AGE, now=now or datetime.now(UTC))
    if swept:
        log.info("analytics: deleted %d lake files no batch listed", swept)
    with db.sessions() as session:
        files = lake.live_files(session)
    counts = Counter(f.day for f in files)
    days = sorted(day for day, count in counts.items() if count >= min_files)
    for day in days:
        old = [f for f in files if f.day == day]
        readable = [f for f in old if f.key not in lake.quarantine(db, store, [f.key])]
        merged = lake.distinct(pa.concat_tables([_read(store, f.key) for f in readable]))
        new_key = lake.file_key(day, lake.new_name("compact"))
        lake.replace_files(db, store, readable, {new_key: lake.in_kind_order(merged)})
        summarise(db, store, day)
    for day in _single_files_unsummed(db, skip=days):
        summarise(db, store, day)
    return len(days)


def _single_files_unsummed(db: Database, *, skip: list[str]) -> list[str]:
    """The days of one raw file with no sessions file of it (one written by an older
    :data:`~.rollup.VERSION` or DuckDB, or none), but those of ``skip``."""
    with db.sessions() as session:
        raw = lake.live_files(session)
        summed = {f.key for f in lake.live_files(session, prefix=rollup.PREFIX)}
    per_day: dict[str, list[str]] = {}
    for lake_file in raw:
        per_day.setdefault(lake_file.day, []).append(lake_file.key)
    return [
        day
        for day, keys in sorted(per_day.items())
        if len(keys) == 1 and day not in skip and rollup.key_for(day, keys) not in summed
    ]


def summarise(db: Database, store: ObjectStore, day: str) -> None:
    """Write the day's sessions file (:mod:`.rollup`) in place of any older one."""
    with db.sessions() as session:
        raw = [f.key for f in lake.live_files(session, first_day=day, last_day=day)]
        old = lake.live_files(session, first_day=day, last_day=day, prefix=rollup.PREFIX)
    summed = query.summed_day(db, store, date.fromisoformat(day))
    lake.replace_files(db, store, old, {rollup.key_for(day, raw): summed})


def expire(
    db: Database, store: ObjectStore, settings: Settings, *, now: datetime | None = None
) -> int:
    """Delete the days older than the retention; the files deleted."""
    cutoff = (
        (now or datetime.now(UTC)) - timedelta(days=settings.analytics_retention_days)
    ).strftime("%Y-%m-%d")
    with db.transaction() as session:
        old = list(session.scalars(select(LakeFile).where(LakeFile.day < cutoff)))
        session.execute(delete(LakeFile).where(LakeFile.day < cutoff))
    for lake_file in old:
        store.delete(lake_file.key)
    return len(old)


def erase_viewer(
    db: Database, store: ObjectStore, pseudonyms: list[str], *, days: list[str] | None = None
) -> int:
    """Rewrite the files (raw and sessions) holding rows of these viewers or profiles without
    them, of every day or of ``days``; the raw rows removed. The pseudonyms are kept as erased
    first, so that no event written later (redelivered, or late) brings rows of theirs back."""
    with db.transaction() as session:
        known = set(
            session.scalars(
                select(ErasedViewer.pseudonym).where(ErasedViewer.pseudonym.in_(pseudonyms))
            )
        )
        session.add_all(ErasedViewer(pseudonym=p) for p in set(pseudonyms) - known)
    with db.sessions() as session:
        files = lake.live_files(session) + lake.live_files(session, prefix=rollup.PREFIX)
    if days is not None:
        files = [f for f in files if f.day in days]
    wanted = pa.array(pseudonyms, pa.string())
    removed = 0
    for lake_file in files:
        if not lake.readable(store, lake_file.key):
            lake.quarantine(db, store, [lake_file.key])
            continue
        table = pq.read_table(io.BytesIO(store.get_bytes(lake_file.key)))
        theirs = pc.fill_null(pc.is_in(table["viewer"], wanted), False)
        if "profile" in table.column_names:
            theirs = pc.or_(theirs, pc.fill_null(pc.is_in(table["profile"], wanted), False))
        count = pc.sum(theirs).as_py() or 0
        if count:
            kept = table.filter(pc.invert(theirs))
            prefix = lake_file.key.split("/day=", 1)[0]
            new_key = f"{prefix}/day={lake_file.day}/{lake.new_name('erased')}.parquet"
            lake.replace_files(db, store, [lake_file], {new_key: kept})
            removed += count if prefix == lake.PREFIX else 0
    return removed


def _read(store: ObjectStore, key: str) -> pa.Table:
    return pq.read_table(io.BytesIO(store.get_bytes(key))).select(SCHEMA.names).cast(SCHEMA)
