"""The event lake: ingest rate, lake size and the time of each report.

N synthetic lake rows (``--events``, default 10 million) in sessions of about 20: a
``playback.session_started``, heartbeats and ``playback.session_ended``, and the player's
telemetry (startup, a sample every 10 s, stalls, quality changes, the odd error) as
``analytics.telemetry_received`` batches. Viewers and what they watch come from MovieLens
(``shared/data/movielens``: a rating is a session of that user and film), the network from the
ABR throughput traces (``shared/data/abr_traces``: each session follows a trace, picks the
ladder's highest rung under its throughput and stalls when the buffer runs dry); either is
generated when it is not there. Sessions are spread over 30 days, in time order.

The rows go through the lake's own consumer (``analytics.subscribers.lake_writer``: Arrow
columns from the payloads, pseudonyms, Parquet, the list of files) in batches of ``--batch``
sessions on SQLite and a local directory; the bench prints ingest rows/s (the writer's time
only), the lake's size before and after compaction, and p50/p95 of each report over the 30
days (``--runs`` runs each, with its default grouping and by title).

    .venv/bin/python bench/analytics.py [--events 10000000] [--batch 200] [--runs 20]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
import uuid
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from marquee import migrate
from marquee.analytics import service, upkeep
from marquee.analytics.events import TELEMETRY_RECEIVED
from marquee.analytics.models import LakeFile
from marquee.analytics.subscribers import lake_writer
from marquee.kit.events import Event
from marquee.playback.events import HEARTBEAT, SESSION_ENDED, SESSION_STARTED
from marquee.runtime import Platform, build_platform
from marquee.settings import load_settings

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RATINGS = DATA / "movielens" / "ml-latest-small" / "ratings.csv"
TRACES = DATA / "abr_traces" / "pensieve_pr133" / "cooked_traces"
LADDER_KBPS = [(240, 400), (360, 800), (480, 1400), (720, 2800), (1080, 5000)]
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


def lake_size(platform: Platform) -> tuple[int, int]:
    with platform.db.sessions() as session:
        files = list(session.query(LakeFile).filter(LakeFile.state == "live"))
    return len(files), sum(f.size for f in files)


def time_reports(platform: Platform, runs: int) -> None:
    """Each report with its default groups, and cut another way; the retention curve is of
    the most played title (every title's curve at once is a table, not a chart)."""
    first, last = FIRST_DAY.date(), (FIRST_DAY + timedelta(days=DAYS - 1)).date()
    top = service.report(platform, name="viewing", first=first, last=last, group_by=["title"])
    top_title = str(top.rows[0]["title_id"]) if top.rows else None
    for name, groups, title_id in [
        ("viewing", None, None),
        ("viewing", ["title"], None),
        ("viewing", ["country", "device"], None),
        ("retention", None, top_title),
        ("quality", None, None),
        ("quality", ["edge", "country"], None),
        ("quality", ["title"], None),
        ("content", None, None),
    ]:
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            answer = service.report(
                platform, name=name, first=first, last=last, group_by=groups, title_id=title_id
            )
            times.append((time.perf_counter() - began) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        label = f"{name} by {','.join(answer.group_by)}" + (" (one title)" if title_id else "")
        p50 = statistics.median(times)
        print(f"  {label:<28} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ({len(answer.rows)} rows)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=200, help="sessions per consumer batch")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(20)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/marquee.db"
        migrate.upgrade(url)
        settings = load_settings(
            data_dir=Path(scratch), database_url=url, env="test", log_json=False
        )
        platform = build_platform(settings)
        write = lake_writer(platform)
        rows, spent = 0, 0.0
        found = f"MovieLens: {RATINGS.exists()}, ABR traces: {TRACES.is_dir()}"
        print(f"ingest: {args.events:,} rows ({found})")
        for events in batches(args.events, args.batch, rng):
            began = time.perf_counter()
            write(events)
            spent += time.perf_counter() - began
            rows += sum(
                len(e.payload["events"]) if e.name == TELEMETRY_RECEIVED.name else 1 for e in events
            )
        files, size = lake_size(platform)
        rate = f"{rows / spent:,.0f} rows/s"
        print(f"  {rows:,} rows in {spent:.1f} s: {rate}; {files} files, {size / 1e6:.1f} MB")
        began = time.perf_counter()
        upkeep.compact(platform.db, platform.storage, min_files=2)
        files, size = lake_size(platform)
        took = time.perf_counter() - began
        lake_mb = f"{size / 1e6:.1f} MB ({size / rows:.1f} bytes/row)"
        print(f"compaction: {took:.1f} s; {files} files, {lake_mb}")
        print(f"reports over {DAYS} days, {args.runs} runs each:")
        time_reports(platform, args.runs)
        platform.stop()


if __name__ == "__main__":
    main()
