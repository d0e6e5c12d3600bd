"""The event lake: ingest rate, lake size and the time of each report.

Two lakes, each on SQLite and a local directory:

- **Ingest** (``--ingest-events``, default 1 million rows): synthetic platform events in
  sessions of about 20 rows (a ``playback.session_started``, heartbeats and
  ``playback.session_ended``, and the player's telemetry as ``analytics.telemetry_received``
  batches) go through the lake's own consumer (``analytics.subscribers.lake_writer``: Arrow
  columns from the payloads, pseudonyms, Parquet, the list of files) in batches of
  ``--batch`` sessions; the bench prints rows/s (the writer's time only), the lake's size and
  how long compaction takes.
- **Reports** (``--events``, default 10 million rows): the same kind of sessions written
  straight into the lake's layout with numpy and pyarrow (what ingesting 10 million rows
  through the consumer and compacting them would leave, in a minute rather than a few): a
  compacted Parquet file per day for 30 days, listed, each with its sessions file
  (:mod:`marquee.analytics.rollup`), plus each film published with its renditions' VMAF and
  each viewer signed up, subscribed and paid. The bench prints the lake's size and p50/p95
  of each report over the 30 days (``--runs`` runs each, after one unmeasured run), with the
  CPU time each took (its p50: the process's, DuckDB's threads included).

Viewers and what they watch come from MovieLens (``shared/data/movielens``: a rating is a
session of that user and film), the network from the ABR throughput traces
(``shared/data/abr_traces``: a session's samples follow a trace, on the ladder's highest rung
under its throughput; it stalls when the throughput falls under the rung it was on); either is
generated when it is not there.

    .venv/bin/python bench/analytics.py [--events 10000000] [--ingest-events 1000000]
        [--batch 200] [--runs 20]
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import statistics
import tempfile
import time
import uuid
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marquee import migrate
from marquee.analytics import lake, rollup, service, upkeep
from marquee.analytics.events import TELEMETRY_RECEIVED
from marquee.analytics.models import LakeFile
from marquee.analytics.rows import SCHEMA, as_table
from marquee.analytics.subscribers import lake_writer
from marquee.kit.events import Event
from marquee.playback.events import HEARTBEAT, SESSION_ENDED, SESSION_STARTED
from marquee.runtime import Platform, build_platform
from marquee.settings import load_settings

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RATINGS = DATA / "movielens" / "ml-latest-small" / "ratings.csv"
TRACES = DATA / "abr_traces" / "pensieve_pr133" / "cooked_traces"
LADDER_KBPS = [(240, 400), (360, 800), (480, 1400), (720, 2800), (1080, 5000)]
LADDER = np.array(LADDER_KBPS)
COUNTRIES = ["US", "FR", "DE", "JP", "BR", "IN", "GB", "ES"]
DEVICES = ["TV", "Phone", "Tablet", "Firefox on Linux", "Chrome on Windows"]
EDGES = ["edge-eu-1", "edge-eu-2", "edge-us-1", "edge-ap-1"]
DAYS = 30
FIRST_DAY = datetime(2026, 10, 1, tzinfo=UTC)
ROWS_PER_SESSION = 20
SAMPLES = 8


def plays(sessions: int, rng: random.Random) -> list[tuple[str, str]]:
    """(viewer, title) of each session: MovieLens ratings, repeated, or generated."""
    if RATINGS.exists():
        with RATINGS.open() as handle:
            pairs = [
                (f"ml-user-{r['userId']}", f"ml-movie-{r['movieId']}")
                for r in csv.DictReader(handle)
            ]
    else:
        pairs = [
            (f"user-{rng.randrange(600)}", f"movie-{int(rng.paretovariate(1.2)) % 9000}")
            for _ in range(100_000)
        ]
    return [pairs[i % len(pairs)] for i in range(sessions)]


def traces(rng: random.Random) -> list[list[float]]:
    """Throughput in kbit/s, one value per 10 s sample, per trace."""
    found = sorted(TRACES.glob("*")) if TRACES.is_dir() else []
    loaded = []
    for path in found[:100]:
        mbps = [float(line.split()[1]) for line in path.read_text().splitlines() if line.strip()]
        loaded.append([value * 1000 for value in mbps[::10]] or [1000.0])
    return loaded or [[rng.lognormvariate(7.5, 0.8) for _ in range(60)] for _ in range(100)]


def session_events(
    viewer: str, title: str, at: datetime, trace: list[float], rng: random.Random
) -> list[Event]:
    """One session's platform events (about :data:`ROWS_PER_SESSION` lake rows)."""
    session_id = uuid.uuid4().hex
    facts = {
        "session_id": session_id,
        "account_id": viewer,
        "profile_id": f"{viewer}-p",
        "title_id": title,
        "episode_id": None,
        "territory": COUNTRIES[zlib.crc32(viewer.encode()) % len(COUNTRIES)],
        "at": at.isoformat(),
        "asset_id": f"{title}-a",
        "device": DEVICES[zlib.crc32(title.encode() + viewer.encode()) % len(DEVICES)],
    }
    telemetry, height, buffer_s = (
        [_player("startup", at, startup_ms=rng.lognormvariate(7, 0.5))],
        0,
        0.0,
    )
    edge = EDGES[rng.randrange(len(EDGES))]
    for step in range(SAMPLES):
        when = at + timedelta(seconds=10 * (step + 1))
        throughput = trace[step % len(trace)]
        new_height, kbps = max(
            (rung for rung in LADDER_KBPS if rung[1] < throughput), default=LADDER_KBPS[0]
        )
        if new_height != height and height:
            telemetry.append(
                _player(
                    "quality_change",
                    when,
                    from_height=height,
                    to_height=new_height,
                    from_bitrate_kbps=0,
                    to_bitrate_kbps=kbps,
                )
            )
        height = new_height
        buffer_s = max(0.0, buffer_s + 10 * (throughput / kbps - 1))
        if buffer_s == 0 and throughput < kbps:
            telemetry.append(_player("stall_start", when))
            telemetry.append(_player("stall_end", when, duration_ms=rng.uniform(300, 4000)))
        telemetry.append(
            _player(
                "sample",
                when,
                buffer_s=min(buffer_s, 60),
                throughput_kbps=throughput,
                dropped_frames=0,
                edge_host=edge,
                height=height,
                bitrate_kbps=kbps,
                played_ms=10_000,
            )
        )
    if rng.random() < 0.02:
        telemetry.append(_player("error", at, code="NETWORK"))
    end = at + timedelta(seconds=10 * SAMPLES)
    beats = ROWS_PER_SESSION - len(telemetry) - 2
    beat = {"state": "playing", "bitrate_kbps": 0, "buffer_s": 0, "stalls": 0, "dropped_frames": 0}
    return [
        Event(SESSION_STARTED.name, facts),
        Event(
            TELEMETRY_RECEIVED.name,
            {"session": {**facts, "duration_s": 5400.0}, "events": telemetry},
        ),
        *(
            Event(HEARTBEAT.name, {**facts, **beat, "position_s": 10.0 * (i + 1)})
            for i in range(max(0, beats))
        ),
        Event(
            SESSION_ENDED.name,
            {**facts, "position_s": 10.0 * SAMPLES, "reason": "stopped", "at": end.isoformat()},
        ),
    ]


def _player(kind: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex[:16], "kind": kind, "at": at.isoformat(), **fields}


def batches(total_rows: int, batch: int, rng: random.Random) -> Iterator[list[Event]]:
    sessions = max(1, total_rows // ROWS_PER_SESSION)
    viewers_titles, network = plays(sessions, rng), traces(rng)
    spacing = DAYS * 86400 / sessions
    for start in range(0, sessions, batch):
        events: list[Event] = []
        for index in range(start, min(start + batch, sessions)):
            viewer, title = viewers_titles[index]
            at = FIRST_DAY + timedelta(seconds=index * spacing)
            events.extend(session_events(viewer, title, at, network[index % len(network)], rng))
        yield events


# ---- the lake generated directly (the report timings' lake) ----

#: A generated session's rows, by slot (:data:`ROWS_PER_SESSION`): its start, the player's
#: startup and a sample every 10 s, playback's heartbeats (the first one a quality change
#: when the rung moved, the second an error for 2% of sessions), a stall (heartbeats where the
#: network kept up) and its end.
SLOTS = (
    "session_started",
    "startup",
    *["sample"] * SAMPLES,
    *["heartbeat"] * 7,
    "stall_start",
    "stall_end",
    "session_ended",
)
KINDS = sorted({*SLOTS, "quality_change", "error"})
#: When each slot's row comes, in seconds after the session started.
SLOT_AT_S = np.array(
    [
        0,
        0.5,
        *(10.0 * (k + 1) for k in range(SAMPLES)),
        *(10.0 * k + 5 for k in range(7)),
        30.2,
        31.7,
        10.0 * SAMPLES + 1,
    ]
)
SAMPLE_SLOTS = np.arange(2, 2 + SAMPLES)
BEAT_SLOTS = np.arange(2 + SAMPLES, 9 + SAMPLES)
QUALITY_SLOT, ERROR_SLOT = BEAT_SLOTS[0], BEAT_SLOTS[1]
STALL_START_SLOT, STALL_END_SLOT, END_SLOT = 17, 18, 19
RUNTIME_S = 5400.0
PLANS = (("basic", 799), ("standard", 1399), ("premium", 1999))


class Facts:
    """Viewers and titles of the generated lake: MovieLens users and films (pseudonyms and ids
    as Arrow arrays, taken by index) and the ABR traces' throughput, one row per trace."""

    def __init__(self, platform: Platform, rng: random.Random) -> None:
        names = service.pseudonyms(platform.settings)
        pairs = plays(100_000, rng)
        users = sorted({viewer for viewer, _ in pairs})
        films = sorted({title for _, title in pairs})
        user_of = {u: i for i, u in enumerate(users)}
        film_of = {f: i for i, f in enumerate(films)}
        self.pairs = np.array([(user_of[u], film_of[f]) for u, f in pairs])
        self.users, self.films = users, films
        self.viewers = pa.array([names.of(u) for u in users])
        self.profiles = pa.array([names.of(f"{u}-p") for u in users])
        self.countries = pa.array(
            [COUNTRIES[zlib.crc32(u.encode()) % len(COUNTRIES)] for u in users]
        )
        self.titles = pa.array(films)
        self.assets = pa.array([f"{f}-a" for f in films])
        network = traces(rng)
        self.throughput = np.array(
            [[trace[k % len(trace)] for k in range(SAMPLES)] for trace in network]
        )


def _where(mask: np.ndarray, values: Any, kind: pa.DataType) -> pa.Array:
    """``values`` (numpy, or an Arrow array) where ``mask``, else null."""
    if isinstance(values, pa.Array):
        return pc.if_else(pa.array(mask), values, pa.scalar(None, kind))
    return pa.array(values, kind, mask=~mask)


def day_of_sessions(facts: Facts, day: datetime, sessions: int, seed: int) -> pa.Table:
    """``sessions`` sessions of one day (all their rows on that day), in the lake's schema."""
    gen = np.random.default_rng(seed)
    rows = sessions * len(SLOTS)
    session = np.repeat(np.arange(sessions), len(SLOTS))
    slot = np.tile(np.arange(len(SLOTS)), sessions)
    starts = np.sort(gen.uniform(0, 86_400 - 120, sessions))
    day_us = int(day.timestamp() * 1_000_000)
    at = day_us + ((starts[session] + SLOT_AT_S[slot]) * 1_000_000).astype(np.int64)
    pair = facts.pairs[gen.integers(len(facts.pairs), size=sessions)]
    user, film = pair[:, 0][session], pair[:, 1][session]

    throughput = facts.throughput[gen.integers(len(facts.throughput), size=sessions)]
    rung = np.clip(np.searchsorted(LADDER[:, 1], throughput) - 1, 0, len(LADDER) - 1)
    heights, rates = LADDER[rung, 0], LADDER[rung, 1]
    stalled = (rates[:, :-1] > throughput[:, 1:]).any(axis=1)
    changed = rung[:, 0] != rung[:, -1]
    failed = gen.random(sessions) < 0.02
    watched = gen.uniform(0.02, 1.0, sessions) * RUNTIME_S

    kind = np.searchsorted(KINDS, np.array(SLOTS))[slot]
    beat = np.searchsorted(KINDS, "heartbeat")
    stall_slot = (slot == STALL_START_SLOT) | (slot == STALL_END_SLOT)
    kind = np.where(stall_slot & ~stalled[session], beat, kind)
    kind = np.where((slot == QUALITY_SLOT) & changed[session], KINDS.index("quality_change"), kind)
    kind = np.where((slot == ERROR_SLOT) & failed[session], KINDS.index("error"), kind)
    kinds = pa.DictionaryArray.from_arrays(pa.array(kind.astype(np.int32)), pa.array(KINDS))
    is_kind = {name: kind == KINDS.index(name) for name in KINDS}
    is_sample = is_kind["sample"]
    telemetry = np.isin(kind, [KINDS.index(k) for k in rollup.TELEMETRY_KINDS])
    per_sample = np.clip(slot - SAMPLE_SLOTS[0], 0, SAMPLES - 1)
    sample_height = heights[session, per_sample]
    sample_rate = rates[session, per_sample]
    beats_done = np.clip(slot - BEAT_SLOTS[0] + 1, 1, 7)

    session_ids = pa.array([f"{seed:08x}{i:024x}" for i in range(sessions)])
    slot_names = pa.array([f":{i}" for i in range(len(SLOTS))])
    device_of = (pair[:, 0] * 7 + pair[:, 1]) % len(DEVICES)
    edges = pa.array(EDGES).take(pa.array(gen.integers(len(EDGES), size=sessions)))
    columns: dict[str, pa.Array] = {
        "id": pc.binary_join_element_wise(
            session_ids.take(pa.array(session)), slot_names.take(pa.array(slot)), ""
        ),
        "kind": kinds.cast(pa.string()),
        "at": pa.array(at, pa.timestamp("us", tz="UTC")),
        "viewer": facts.viewers.take(pa.array(user)),
        "profile": facts.profiles.take(pa.array(user)),
        "session_id": session_ids.take(pa.array(session)),
        "title_id": facts.titles.take(pa.array(film)),
        "country": facts.countries.take(pa.array(user)),
    }
    started_or_telemetry = telemetry | is_kind["session_started"]
    columns["asset_id"] = _where(
        started_or_telemetry, facts.assets.take(pa.array(film)), pa.string()
    )
    devices = pa.array(DEVICES).take(pa.array(device_of[session]))
    columns["device"] = _where(started_or_telemetry, devices, pa.string())
    columns["edge_host"] = _where(is_sample, edges.take(pa.array(session)), pa.string())
    columns["state"] = _where(is_kind["heartbeat"], pa.array(["playing"] * rows), pa.string())
    columns["reason"] = _where(is_kind["session_ended"], pa.array(["stopped"] * rows), pa.string())
    position = np.where(slot == END_SLOT, watched[session], watched[session] * beats_done / 7)
    columns["position_s"] = _where(
        is_kind["heartbeat"] | is_kind["session_ended"], position, pa.float64()
    )
    columns["duration_s"] = _where(telemetry, np.full(rows, RUNTIME_S), pa.float64())
    columns["startup_ms"] = _where(is_kind["startup"], gen.lognormal(7, 0.5, rows), pa.float64())
    columns["stall_ms"] = _where(is_kind["stall_end"], gen.uniform(300, 4000, rows), pa.float64())
    played = watched[session] * 1000 / SAMPLES
    columns["played_ms"] = _where(is_sample, played, pa.float64())
    columns["buffer_s"] = _where(is_sample, gen.uniform(0, 30, rows), pa.float64())
    columns["throughput_kbps"] = _where(is_sample, throughput[session, per_sample], pa.float64())
    columns["dropped_frames"] = _where(is_sample, np.zeros(rows, np.int64), pa.int64())
    columns["height"] = _where(
        is_sample | is_kind["quality_change"],
        np.where(is_sample, sample_height, heights[session, -1]),
        pa.int64(),
    )
    columns["bitrate_kbps"] = _where(
        is_sample | is_kind["quality_change"],
        np.where(is_sample, sample_rate, rates[session, -1]),
        pa.int64(),
    )
    columns["from_height"] = _where(is_kind["quality_change"], heights[session, 0], pa.int64())
    columns["from_bitrate_kbps"] = _where(is_kind["quality_change"], rates[session, 0], pa.int64())
    columns["error_code"] = _where(is_kind["error"], pa.array(["network-1001"] * rows), pa.string())
    return _in_schema(columns, rows)


def first_day_facts(facts: Facts, day: datetime, gen: np.random.Generator) -> pa.Table:
    """What the first day also holds: each film published with its ladder's renditions (and
    their VMAF), each viewer signed up, subscribed and paid."""
    published: list[dict[str, Any]] = []
    for title, asset in zip(facts.titles.to_pylist(), facts.assets.to_pylist(), strict=True):
        published.append({"id": f"p:{title}", "kind": "title_published", "title_id": title})
        published += [
            {
                "id": f"r:{asset}:{height}",
                "kind": "rendition",
                "title_id": title,
                "asset_id": asset,
                "height": height,
                "bitrate_kbps": kbps,
                "vmaf": 70.0 + height / 40,
                "duration_s": RUNTIME_S,
            }
            for height, kbps in LADDER_KBPS
        ]
    people: list[dict[str, Any]] = []
    for viewer, (plan, price) in zip(
        facts.viewers.to_pylist(),
        (PLANS[i] for i in gen.integers(len(PLANS), size=len(facts.users))),
        strict=True,
    ):
        money = {"viewer": viewer, "plan": plan, "currency": "EUR", "amount": price}
        people += [
            {"id": f"s:{viewer}", "kind": "signup", "viewer": viewer},
            {"id": f"c:{viewer}", "kind": "subscription", "state": "active", **money},
            {"id": f"m:{viewer}", "kind": "revenue", "reason": "invoice_paid", **money},
        ]
    return as_table([row | {"at": day} for row in published + people])


def _in_schema(columns: dict[str, pa.Array], rows: int) -> pa.Table:
    arrays = [columns.get(f.name, pa.nulls(rows, f.type)) for f in SCHEMA]
    return pa.Table.from_arrays(
        [a.cast(f.type) for a, f in zip(arrays, SCHEMA, strict=True)], schema=SCHEMA
    )


def generate_lake(platform: Platform, total_rows: int, seed: int) -> tuple[int, float]:
    """Write ``total_rows`` (about) straight into the lake's layout as compacted days: one
    Parquet file per day, listed, with its sessions file; the rows and seconds taken."""
    began = time.perf_counter()
    facts = Facts(platform, random.Random(seed))
    gen = np.random.default_rng(seed)
    per_day = max(1, total_rows // ROWS_PER_SESSION // DAYS)
    written = 0
    for index in range(DAYS):
        day = FIRST_DAY + timedelta(days=index)
        table = day_of_sessions(facts, day, per_day, seed * 1000 + index)
        if index == 0:
            table = pa.concat_tables([first_day_facts(facts, day, gen), table])
        key = lake.file_key(day.date().isoformat(), lake.new_name("compact"))
        lake.replace_files(platform.db, platform.storage, [], {key: lake.in_kind_order(table)})
        upkeep.summarise(platform.db, platform.storage, day.date().isoformat())
        written += table.num_rows
    return written, time.perf_counter() - began


def lake_size(platform: Platform) -> tuple[int, int]:
    with platform.db.sessions() as session:
        files = list(session.query(LakeFile).filter(LakeFile.state == "live"))
    return len(files), sum(f.size for f in files)


def time_reports(platform: Platform, runs: int) -> None:
    """Each report with its default groups, and cut other ways; the retention curve is of
    the most played title (every title's curve at once is a table, not a chart)."""
    first, last = FIRST_DAY.date(), (FIRST_DAY + timedelta(days=DAYS - 1)).date()
    top = service.report(platform, name="viewing", first=first, last=last, group_by=["title"])
    top_title = str(top.rows[0]["title_id"]) if top.rows else None
    for name, groups, title_id in [
        ("viewing", None, None),
        ("viewing", ["title"], None),
        ("viewing", ["country", "device"], None),
        ("viewing", ["plan"], None),
        ("retention", None, top_title),
        ("quality", None, None),
        ("quality", ["edge", "country"], None),
        ("quality", ["title"], None),
        ("content", None, None),
        ("content", ["title"], None),
        ("business", None, None),
        ("business", ["plan"], None),
    ]:
        times, cpu = [], []
        for run in range(runs + 1):
            began, began_cpu = time.perf_counter(), _cpu_s()
            answer = service.report(
                platform, name=name, first=first, last=last, group_by=groups, title_id=title_id
            )
            if run:  # the first run warms the caches
                times.append((time.perf_counter() - began) * 1000)
                cpu.append((_cpu_s() - began_cpu) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        label = f"{name} by {','.join(answer.group_by)}" + (" (one title)" if title_id else "")
        p50, cpu_p50 = statistics.median(times), statistics.median(cpu)
        print(
            f"  {label:<30} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
            f"CPU p50 {cpu_p50:6.1f} ms   ({len(answer.rows)} rows)"
        )


def _cpu_s() -> float:
    """The CPU time this process has used (DuckDB's threads included), in seconds: on a
    machine others load, it says what a report costs better than the time it took."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _platform(directory: Path) -> Platform:
    url = f"sqlite:///{directory}/marquee.db"
    migrate.upgrade(url)
    settings = load_settings(data_dir=directory, database_url=url, env="test", log_json=False)
    return build_platform(settings)


def ingest(directory: Path, events: int, batch: int) -> None:
    """Events through the consumer, then compaction: rows/s, files and sizes."""
    platform = _platform(directory)
    write = lake_writer(platform)
    rows, spent = 0, 0.0
    found = f"MovieLens: {RATINGS.exists()}, ABR traces: {TRACES.is_dir()}"
    print(f"ingest: {events:,} rows through the consumer ({found})")
    for batch_events in batches(events, batch, random.Random(20)):
        began = time.perf_counter()
        write(batch_events)
        spent += time.perf_counter() - began
        rows += sum(
            len(e.payload["events"]) if e.name == TELEMETRY_RECEIVED.name else 1
            for e in batch_events
        )
    files, size = lake_size(platform)
    rate = f"{rows / spent:,.0f} rows/s"
    print(f"  {rows:,} rows in {spent:.1f} s: {rate}; {files} files, {size / 1e6:.1f} MB")
    began = time.perf_counter()
    upkeep.compact(platform.db, platform.storage, min_files=2)
    files, size = lake_size(platform)
    took = time.perf_counter() - began
    print(f"  compaction: {took:.1f} s; {files} files, {size / 1e6:.1f} MB with sessions")
    platform.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="rows of the reports' lake")
    parser.add_argument("--ingest-events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=200, help="sessions per consumer batch")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        ingest(Path(scratch) / "ingest", min(args.ingest_events, args.events), args.batch)
        platform = _platform(Path(scratch) / "reports")
        rows, took = generate_lake(platform, args.events, seed=20)
        files, size = lake_size(platform)
        lake_mb = f"{size / 1e6:.1f} MB ({size / rows:.1f} bytes/row)"
        print(f"reports' lake: {rows:,} rows written in {took:.1f} s; {files} files, {lake_mb}")
        print(f"reports over {DAYS} days, {args.runs} runs each:")
        time_reports(platform, args.runs)
        platform.stop()


if __name__ == "__main__":
    main()
