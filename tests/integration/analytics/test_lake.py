"""The lake: each event once whatever is redelivered or however a consumer dies, a file cut
short is quarantined without failing queries, small files compact, old days expire, and a
deleted account's rows leave it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from marquee.analytics import lake, query, rollup, service, upkeep
from marquee.analytics.models import LakeFile
from marquee.analytics.subscribers import lake_writer
from marquee.identity.events import ACCOUNT_DELETED, AccountDeleted
from marquee.kit.events import Event, publish
from marquee.playback.events import HEARTBEAT, SESSION_ENDED, SESSION_STARTED, PlaybackStarted
from tests.integration.analytics.conftest import World

DAY = datetime(2026, 11, 3, 12, tzinfo=UTC)


def _started(session_id: str, *, account_id: str = "acct", at: datetime = DAY) -> Event:
    payload = {
        "session_id": session_id,
        "account_id": account_id,
        "profile_id": f"{account_id}-profile",
        "title_id": "t1",
        "episode_id": None,
        "territory": "FR",
        "at": at.isoformat(),
        "asset_id": "a1",
        "device": "TV",
    }
    return Event(SESSION_STARTED.name, payload, id=uuid.uuid4().hex)


def _count(world: World, sql: str = "SELECT count(*) FROM events", day: date = DAY.date()) -> int:
    _, rows = query.run(world.platform.db, world.platform.storage, sql, first=day, last=day)
    return int(rows[0][0])


def _killed(*_args: object, **_kwargs: object) -> None:
    raise SystemExit("killed mid-batch")


def _files(world: World) -> list[LakeFile]:
    with world.platform.db.sessions() as session:
        return lake.live_files(session, first_day=str(DAY.date()), last_day=str(DAY.date()))


@pytest.fixture
def fresh_day(world: World) -> World:
    """The test day's files from earlier tests (one database per test run) are set aside."""
    with world.platform.db.transaction() as session:
        for row in session.scalars(select(LakeFile).where(LakeFile.day == str(DAY.date()))):
            row.state = "earlier-test"
    return world


def test_redelivered_and_overlapping_batches_write_each_event_once(fresh_day: World) -> None:
    write = lake_writer(fresh_day.platform)
    events = [_started(uuid.uuid4().hex) for _ in range(5)]
    write(events[:3])
    write(events[:3])
    write(events[1:])
    write(list(reversed(events)))
    assert _count(fresh_day) == 5


def test_a_consumer_killed_between_file_and_ledger_loses_and_doubles_nothing(
    fresh_day: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = fresh_day.platform
    events = [_started(uuid.uuid4().hex) for _ in range(4)]
    with monkeypatch.context() as patch:
        patch.setattr(lake, "LakeFile", _killed)
        with pytest.raises(SystemExit):
            lake_writer(platform)(events)
    assert _count(fresh_day) == 0, "a file the ledger does not list is never read"
    lake_writer(platform)(events[2:])
    lake_writer(platform)(events)
    assert _count(fresh_day) == 4


def test_a_batch_delivered_again_after_its_commit_counts_once_and_compacts_to_one_row(
    fresh_day: World,
) -> None:
    platform = fresh_day.platform
    events = [_started(uuid.uuid4().hex) for _ in range(3)]
    lake_writer(platform)(events)
    lake_writer(platform)(events)
    assert [f.rows for f in _files(fresh_day)] == [3, 3]
    assert _count(fresh_day) == 3
    assert _count(fresh_day, "SELECT sum(started) FROM sessions") == 3, "plays count once"
    upkeep.compact(platform.db, platform.storage, min_files=2)
    assert [f.rows for f in _files(fresh_day)] == [3]
    assert _count(fresh_day) == 3


def test_compaction_deletes_the_files_of_killed_consumers_once_they_are_old(
    fresh_day: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = fresh_day.platform
    lake_writer(platform)([_started(uuid.uuid4().hex)])
    day = f"{lake.PREFIX}/day={DAY.date()}/"
    before = {info.key for info in platform.storage.list(day)}
    with monkeypatch.context() as patch:
        patch.setattr(lake, "LakeFile", _killed)
        with pytest.raises(SystemExit):
            lake_writer(platform)([_started(uuid.uuid4().hex)])
    orphans = [info.key for info in platform.storage.list(day) if info.key not in before]
    assert len(orphans) == 1
    upkeep.compact(platform.db, platform.storage, min_files=1000)
    assert platform.storage.exists(orphans[0]), "a young file may be about to be listed"
    later = datetime.now(UTC) + upkeep.ORPHAN_AGE + timedelta(minutes=1)
    upkeep.compact(platform.db, platform.storage, min_files=1000, now=later)
    assert not platform.storage.exists(orphans[0])
    assert all(platform.storage.exists(f.key) for f in _files(fresh_day)), "listed ones stay"
    assert _count(fresh_day) == 1


def test_a_file_cut_short_is_quarantined_and_queries_go_on(fresh_day: World) -> None:
    platform = fresh_day.platform
    lake_writer(platform)([_started(uuid.uuid4().hex)])
    lake_writer(platform)([_started(uuid.uuid4().hex), _started(uuid.uuid4().hex)])
    broken = next(f for f in _files(fresh_day) if f.rows == 2)
    whole = platform.storage.get_bytes(broken.key)
    platform.storage.put_bytes(broken.key, whole[: len(whole) // 2])
    assert _count(fresh_day) == 1
    assert broken.key not in {f.key for f in _files(fresh_day)}
    aside = broken.key.replace(lake.PREFIX, lake.QUARANTINE, 1)
    assert platform.storage.get_bytes(aside) == whole[: len(whole) // 2], "kept for a look"


def test_compaction_merges_a_days_files_and_keeps_every_row(fresh_day: World) -> None:
    platform = fresh_day.platform
    for _ in range(3):
        lake_writer(platform)([_started(uuid.uuid4().hex), _started(uuid.uuid4().hex)])
    before = _files(fresh_day)
    assert upkeep.compact(platform.db, platform.storage, min_files=3) >= 1
    after = _files(fresh_day)
    assert len(after) == 1
    assert after[0].rows == 6
    assert _count(fresh_day) == 6
    assert not any(platform.storage.exists(f.key) for f in before)


def test_days_past_the_retention_are_deleted(fresh_day: World) -> None:
    platform = fresh_day.platform
    lake_writer(platform)([_started(uuid.uuid4().hex)])
    keys = [f.key for f in _files(fresh_day)]
    days = platform.settings.analytics_retention_days
    upkeep.expire(platform.db, platform.storage, platform.settings, now=DAY + timedelta(days=days))
    assert _count(fresh_day) == 1, "the last day of the retention stays"
    later = DAY + timedelta(days=days + 1)
    upkeep.expire(platform.db, platform.storage, platform.settings, now=later)
    assert _count(fresh_day) == 0
    assert not any(platform.storage.exists(key) for key in keys)


def test_account_deletion_removes_its_rows_and_only_those(fresh_day: World) -> None:
    platform = fresh_day.platform
    gone, stays = uuid.uuid4().hex, uuid.uuid4().hex
    events: Sequence[Event] = [
        _started(uuid.uuid4().hex, account_id=gone),
        _started(uuid.uuid4().hex, account_id=stays),
        _started(uuid.uuid4().hex, account_id=gone),
    ]
    lake_writer(platform)(events)
    with platform.db.transaction() as session:
        profile = f"{gone}-profile"
        publish(session, ACCOUNT_DELETED, AccountDeleted(account_id=gone, profile_ids=[profile]))
    fresh_day.relay()
    names = service.pseudonyms(platform.settings)
    left = "SELECT count(*) FROM events WHERE viewer = '{}'"
    assert _count(fresh_day, left.format(names.of(gone))) == 0
    assert _count(fresh_day, left.format(names.of(stays))) == 1
    lake_writer(platform)(events)
    assert _count(fresh_day) == 1, "a redelivered event of the deleted account stays out"
    lake_writer(platform)([_started(uuid.uuid4().hex, account_id=gone)])
    assert _count(fresh_day) == 1, "so does one that arrives late"


def test_viewers_are_pseudonymous_in_the_files(fresh_day: World) -> None:
    platform = fresh_day.platform
    account = uuid.uuid4().hex
    lake_writer(platform)([_started(uuid.uuid4().hex, account_id=account)])
    stored = b"".join(platform.storage.get_bytes(f.key) for f in _files(fresh_day))
    assert account.encode() not in stored
    assert service.pseudonyms(platform.settings).of(account).encode() in stored


def test_heartbeats_of_a_session_are_rows_with_their_state(fresh_day: World) -> None:
    started = _started(uuid.uuid4().hex)
    beat = Event(
        HEARTBEAT.name,
        {**started.payload, "position_s": 20.0, "state": "paused", "bitrate_kbps": 900},
        id=uuid.uuid4().hex,
    )
    lake_writer(fresh_day.platform)([started, beat])
    assert _count(fresh_day, "SELECT count(*) FROM events WHERE state = 'paused'") == 1


class _ErasingOnWrite:
    """The object store, but the batch's first file write lets an account deletion run to its
    end first: after the batch looked for erased viewers, before it lists its files."""

    def __init__(self, world: World, account_id: str) -> None:
        self._store, self._world, self._account = world.platform.storage, world, account_id

    def put_bytes(self, key: str, data: bytes) -> object:
        if self._account:
            account, self._account = self._account, ""
            service.erase_people(self._world.platform, ids=[account, f"{account}-profile"])
        return self._store.put_bytes(key, data)

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


def _killed_when_by_days(erase: Callable[..., int]) -> Callable[..., int]:
    """The erasure, but killed when the batch removes rows it found erased (by days)."""

    def erase_or_die(*args: Any, days: list[str] | None = None, **kwargs: Any) -> int:
        if days is not None:
            raise SystemExit("killed after its commit")
        return erase(*args, **kwargs)

    return erase_or_die


def _rows_of(world: World, account_id: str) -> int:
    viewer = service.pseudonyms(world.platform.settings).of(account_id)
    sql = "SELECT count(*) FROM events WHERE viewer = $viewer"
    platform, day = world.platform, DAY.date()
    _, rows = query.run(
        platform.db, platform.storage, sql, first=day, last=day, parameters={"viewer": viewer}
    )
    return int(rows[0][0])


def test_an_account_deleted_while_its_batch_is_being_written_leaves_no_row(
    fresh_day: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = fresh_day.platform
    gone, stays = uuid.uuid4().hex, uuid.uuid4().hex
    events = [_started(uuid.uuid4().hex, account_id=who) for who in (gone, stays, gone)]
    monkeypatch.setattr(platform, "storage", _ErasingOnWrite(fresh_day, gone))
    lake_writer(platform)(events)
    monkeypatch.undo()
    assert _rows_of(fresh_day, gone) == 0, "the erasure listed the files before the batch's"
    assert _rows_of(fresh_day, stays) == 1


def test_a_batch_killed_after_racing_an_erasure_leaves_no_row_once_delivered_again(
    fresh_day: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = fresh_day.platform
    gone = uuid.uuid4().hex
    events = [_started(uuid.uuid4().hex, account_id=gone), _started(uuid.uuid4().hex)]
    with monkeypatch.context() as patch:
        patch.setattr(platform, "storage", _ErasingOnWrite(fresh_day, gone))
        patch.setattr(upkeep, "erase_viewer", _killed_when_by_days(upkeep.erase_viewer))
        with pytest.raises(SystemExit):
            lake_writer(platform)(events)
    assert _rows_of(fresh_day, gone) == 1, "killed before it removed what the erasure missed"
    lake_writer(platform)(events)
    assert _rows_of(fresh_day, gone) == 0
    assert _count(fresh_day) == 1


def test_an_account_deleted_while_its_events_wait_in_the_outbox_leaves_no_row(
    fresh_day: World,
) -> None:
    platform = fresh_day.platform
    gone = uuid.uuid4().hex
    started = _started(uuid.uuid4().hex, account_id=gone)
    with platform.db.transaction() as session:
        publish(session, SESSION_STARTED, PlaybackStarted.model_validate(started.payload))
        deleted = AccountDeleted(account_id=gone, profile_ids=[f"{gone}-profile"])
        publish(session, ACCOUNT_DELETED, deleted)
    fresh_day.relay()
    assert _rows_of(fresh_day, gone) == 0


def test_tidying_sums_a_day_of_one_file_that_has_no_sessions_file(fresh_day: World) -> None:
    platform = fresh_day.platform
    lake_writer(platform)([_started(uuid.uuid4().hex), _started(uuid.uuid4().hex)])
    [raw] = _files(fresh_day)
    summary = rollup.key_for(str(DAY.date()), [raw.key])
    assert not platform.storage.exists(summary)
    upkeep.compact(platform.db, platform.storage, min_files=1000)
    assert platform.storage.exists(summary), "a sessions file as this version sums the day"
    assert _count(fresh_day, "SELECT sum(started) FROM sessions") == 2


def test_every_session_counts_whatever_its_id_looks_like(fresh_day: World) -> None:
    """Ids that differ in a few characters (DuckDB's ``hash`` gives some of them one value)."""
    ids = [f"{prefix:08x}{index:024x}" for prefix in range(20_000, 20_010) for index in range(300)]
    lake_writer(fresh_day.platform)([_started(session_id) for session_id in ids])
    viewing = service.report(fresh_day.platform, name="viewing", first=DAY.date(), last=DAY.date())
    assert [row["plays"] for row in viewing.rows] == [3000]


def test_a_session_across_midnight_counts_once_on_the_day_it_started(fresh_day: World) -> None:
    title = uuid.uuid4().hex
    late = DAY.replace(hour=23, minute=59, second=50)
    crossing = _started(uuid.uuid4().hex, at=late)
    crossing.payload["title_id"] = title
    after_midnight = (late + timedelta(seconds=20)).isoformat()
    beat = {"position_s": 20.0, "state": "playing", "at": after_midnight}
    whole = _started(uuid.uuid4().hex)
    whole.payload["title_id"] = title
    lake_writer(fresh_day.platform)(
        [
            crossing,
            Event(HEARTBEAT.name, crossing.payload | beat),
            Event(SESSION_ENDED.name, crossing.payload | beat | {"reason": "stopped"}),
            whole,
            Event(HEARTBEAT.name, whole.payload | {"position_s": 10.0, "state": "playing"}),
            Event(SESSION_ENDED.name, whole.payload | {"position_s": 10.0, "reason": "stopped"}),
        ]
    )
    viewing = service.report(
        fresh_day.platform,
        name="viewing",
        first=DAY.date(),
        last=DAY.date() + timedelta(days=1),
        title_id=title,
    )
    assert [(row["day"], row["plays"]) for row in viewing.rows] == [(str(DAY.date()), 2)]
    assert viewing.rows[0]["viewing_hours"] == round(20 / 3600, 4), "both heartbeats count"
