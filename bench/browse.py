"""Browse throughput: RPS and latency of ``/api/v1/browse`` at 64 concurrent clients, warm cache.

A fresh SQLite platform with a 10,000-title catalog (bench/search.py's generator), 10,000
profiles' viewing history of 1,000,000 plays over the last week (popular titles far more
played, five countries) bulk-inserted into discovery's plays table, ``marquee serve`` on
127.0.0.1, and 1,000 of those profiles signed in (200 accounts × 5 profiles), each with
playback positions in 20 titles (Continue Watching and the personal rows come from playback).
The same plays are recommend's signals (one per profile and title) and the production model is
trained on them as the worker's job does (``--no-model``: none, the heuristic rows), then served
by ``marquee serve``; the model's part of a profile's rows (``recommend.picks`` as discovery
asks for it: 200 picks, Because You Watched one of its titles, only visible titles) is timed
in-process for the signed-in profiles. Every profile's rows are built once (cold figures), then
wrk asks for random profiles' rows with 16 and 64 connections (warm figures).

With ``--real`` the same bench then runs again on the real backends an operator who outgrows
one machine uses: a scratch database on PostgreSQL (``--postgres-url``, an admin URL; the
database is created and dropped) and Redis as the cache (``--redis-url``, a database of its own,
flushed first), so the two sets of figures print one after the other.

    .venv/bin/python bench/browse.py [--plays 1000000] [--seconds 20] [--wrk-threads 1]
        [--no-model] [--profile FILE] [--real [--postgres-url URL] [--redis-url URL]]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from search import (  # bench/search.py
    CSV,
    catalog,
    environment,
    fill_catalog,
    percentiles,
    rows,
    serve,
    sign_up,
)
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from marquee import migrate
from marquee.catalog import service as catalog_service
from marquee.discovery.models import DiscoveryPlay
from marquee.identity.models import Profile
from marquee.kit.db import Database
from marquee.kit.storage import open_object_store
from marquee.playback.models import ViewingPosition
from marquee.recommend import service as recommend
from marquee.recommend.tables import Play
from marquee.recommend.training import retrain
from marquee.settings import Settings

TITLES = 10_000
PROFILES = 10_000
ACCOUNTS = 200
PER_ACCOUNT = 5
CONNECTIONS = 64
POSITIONS = 20
#: How often the server looks for a new model here (the setting's default is 30 s).
MODEL_POLL_S = 1.0
COUNTRIES = ["US", "US", "US", "FR", "DE", "GB", "JP"]
#: wrk runs on the last CPU (the server's event loop keeps the others): on a small machine the
#: load generator moving onto the server's core showed as 80 ms in the p99 of some runs.
WRK_ON_LAST_CPU = (
    ["taskset", "-c", str((os.cpu_count() or 1) - 1)] if shutil.which("taskset") else []
)
WRK_SCRIPT = """
local viewers = {pairs}
request = function()
  local p = viewers[math.random(#viewers)]
  wrk.headers["Authorization"] = p[1]
  return wrk.format("GET", "/api/v1/browse?profile_id=" .. p[2])
end
"""


def fill_history(database_url: str, title_ids: list[str], profiles: list[str], plays: int) -> None:
    """``plays`` plays by ``profiles``: titles by a long-tailed popularity, times in a week."""
    rng = random.Random(11)
    now = datetime.now(UTC)
    db = Database(database_url)
    with db.transaction() as session:
        for start in range(0, plays, 50_000):
            batch = [
                {
                    "profile_id": rng.choice(profiles),
                    "title_id": title_ids[min(int(rng.paretovariate(1.2)) - 1, TITLES - 1)],
                    "territory": rng.choice(COUNTRIES),
                    "at": now - timedelta(seconds=rng.uniform(0, 7 * 86400)),
                }
                for _ in range(min(50_000, plays - start))
            ]
            session.execute(insert(DiscoveryPlay), batch)
    db.dispose()


def fill_positions(database_url: str, title_ids: list[str], profiles: list[str]) -> None:
    """Playback positions of ``profiles`` in ``POSITIONS`` titles each, a third watched."""
    rng = random.Random(12)
    now = datetime.now(UTC)
    db = Database(database_url)
    with db.transaction() as session:
        query = select(Profile.id, Profile.account_id)
        accounts = {profile_id: account_id for profile_id, account_id in session.execute(query)}
        batch = [
            {
                "profile_id": profile_id,
                "title_id": title_id,
                "episode_id": "",
                "account_id": accounts[profile_id],
                "position_s": rng.uniform(60, 3600),
                "duration_s": 3600.0,
                "watched": rng.random() < 1 / 3,
                "updated_at": now - timedelta(seconds=rng.uniform(0, 7 * 86400)),
            }
            for profile_id in profiles
            for title_id in rng.sample(title_ids[:2000], POSITIONS)
        ]
        session.execute(insert(ViewingPosition), batch)
    db.dispose()


def train_model(database_url: str, settings: Settings) -> None:
    """Recommend's plays of the history (one per profile and title: its latest time, watched
    to the end) and the production model trained on them, as the worker's job trains it."""
    db = Database(database_url)
    with db.transaction() as session:
        query = select(
            DiscoveryPlay.profile_id,
            DiscoveryPlay.title_id,
            func.max(DiscoveryPlay.territory),
            func.count(),
            func.max(DiscoveryPlay.at),
        ).group_by(DiscoveryPlay.profile_id, DiscoveryPlay.title_id)
        plays = [
            {
                "profile_id": profile_id,
                "title_id": title_id,
                "territory": territory,
                "plays": count,
                "fraction": 1.0,
                "completed": True,
                "abandoned": False,
                "at": at,
            }
            for profile_id, title_id, territory, count, at in session.execute(query)
        ]
        for start in range(0, len(plays), 50_000):
            session.execute(insert(Play), plays[start : start + 50_000])
    started = time.perf_counter()
    with db.transaction() as session:
        pointer = retrain(session, open_object_store(settings.resolved_storage_url))
    print(
        f"{len(plays):,} signals; {pointer and pointer.model} trained in "
        f"{time.perf_counter() - started:.1f} s (version, popularity and metadata artifacts)"
    )
    db.dispose()


def picks_in_process(
    database_url: str, settings: Settings, profiles: list[str], profile_to: Path | None
) -> None:
    """p50/p99 of the model's part of each profile's rows, in this process, as discovery asks
    for it (the profile's signals read, folded in, 200 picks among the visible titles and
    Because You Watched one of its titles), after one warm-up round; the measured round
    profiled by pyinstrument into ``profile_to`` when given."""
    db = Database(database_url)
    with db.transaction() as session:
        allowed = frozenset(t.id for t in catalog_service.published_titles(session))
        played = dict(
            session.execute(
                select(Play.profile_id, func.max(Play.title_id)).group_by(Play.profile_id)
            ).all()
        )
    took = []
    profiler = None
    if profile_to:
        from pyinstrument import Profiler  # a dev dependency, for --profile only

        profiler = Profiler(interval=0.0005)
    for round_ in range(2):
        if round_ and profiler:
            profiler.start()
        for profile_id in profiles:
            started = time.perf_counter()
            with db.transaction() as session:
                recommend.picks(
                    session,
                    settings=settings,
                    profile_id=profile_id,
                    country="US",
                    limit=200,
                    because_of=[played[profile_id]] if profile_id in played else [],
                    allowed=allowed,
                )
            if round_:
                took.append((time.perf_counter() - started) * 1000)
    if profiler and profile_to:
        profiler.stop()
        profile_to.write_text(profiler.output_text(show_all=False))
    p50, p99 = percentiles(took)
    print(
        f"picks in-process (the model's rows of {len(profiles)} profiles): "
        f"p50 {p50:.1f} ms  p99 {p99:.1f} ms"
    )
    db.dispose()


def viewers(base: str) -> list[tuple[str, str]]:
    """(Authorization header, profile id) for every profile of the signed-up accounts."""
    found = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for n in range(ACCOUNTS):
            headers, first = sign_up(client, f"viewer{n}@example.com")
            found.append((headers["Authorization"], first))
            for k in range(PER_ACCOUNT - 1):
                made = client.post("/api/v1/profiles", json={"name": f"p{k}"}, headers=headers)
                found.append((headers["Authorization"], made.json()["id"]))
    return found


def keep_off_last_cpu(pid: int) -> None:
    """The server's threads (and those they start) on every CPU but wrk's (``WRK_ON_LAST_CPU``).
    Left to the scheduler, the server's threads also ran on wrk's CPU: at 64 connections on
    the 2-core machine the p99 was 200-450 ms with them free and 43-95 ms pinned, the
    other figures alike."""
    if not WRK_ON_LAST_CPU:
        return
    cpus = set(range((os.cpu_count() or 1) - 1)) or {0}
    for task in Path(f"/proc/{pid}/task").iterdir():
        os.sched_setaffinity(int(task.name), cpus)


def wait_for_model(base: str) -> None:
    """Until the node serves the trained model (``/metrics``): rows the cold round built
    before it had loaded would be cached under no model and built again in the warm round."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        metrics = httpx.get(f"{base}/metrics", timeout=10).text
        if "\nmarquee_recommend_model_source 0.0" in metrics:
            return
        time.sleep(MODEL_POLL_S / 4)
    raise RuntimeError("the node did not load the trained model in 2 minutes")


def cold(base: str, pairs: list[tuple[str, str]]) -> list[float]:
    """Build every profile's rows once (8 at a time); latencies in ms."""

    def ask(pair: tuple[str, str]) -> float:
        started = time.perf_counter()
        with httpx.Client(base_url=base, timeout=60) as client:
            answer = client.get(
                "/api/v1/browse",
                params={"profile_id": pair[1]},
                headers={"Authorization": pair[0]},
            )
        assert answer.status_code == 200, answer.text
        return (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(ask, pairs))


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far: steadier than req/s on a
    shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(
    base: str,
    pairs: list[tuple[str, str]],
    work: Path,
    seconds: int,
    connections: int,
    threads: int,
) -> str:
    lua = ", ".join(f'{{"{a}", "{p}"}}' for a, p in pairs)
    script = work / "browse.lua"
    script.write_text(WRK_SCRIPT.format(pairs="{" + lua + "}"))
    return run_wrk(base, script, seconds, connections, threads)


def run_wrk(base: str, script: Path, seconds: int, connections: int, threads: int) -> str:
    """wrk's output for a run of the Lua ``script`` against ``base`` (on the last CPU)."""
    command = [
        *WRK_ON_LAST_CPU,
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
    ]
    return subprocess.run([*command, base], capture_output=True, text=True, check=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plays", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, nargs="+", default=[16, CONNECTIONS])
    # one wrk thread drives 64 connections at several thousand req/s; a second one would take
    # the server's core on a 2-core machine and put the load generator's waits into the p99
    # (with two: the same req/s, p99 80-120 ms instead of 20-35 ms)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--profile", type=Path, help="pyinstrument's report of the picks here")
    parser.add_argument(
        "--model",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="train and serve the production model (default) or none",
    )
    parser.add_argument("--real", action="store_true", help="then on PostgreSQL and Redis")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/browse.py needs wrk: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="bench-browse-") as tmp:
        print("== embedded: SQLite, in-process cache")
        work = Path(tmp) / "embedded"
        run(work, args, f"sqlite:///{work / 'var' / 'marquee.db'}", "memory://")
    if args.real:
        with tempfile.TemporaryDirectory(prefix="bench-browse-") as tmp, scratch(args) as url:
            print("== real: PostgreSQL, Redis")
            run(Path(tmp) / "real", args, url, args.redis_url)


@contextmanager
def scratch(args: argparse.Namespace) -> Iterator[str]:
    """A new database on the PostgreSQL server of ``--postgres-url``, dropped after, and the
    Redis database of ``--redis-url`` flushed (the bench's own: rows cached by an earlier run
    would be warm from the start)."""
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    name = f"marquee_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


def run(work: Path, args: argparse.Namespace, url: str, cache_url: str) -> None:
    plays, seconds, connections, threads = (
        args.plays,
        args.seconds,
        args.connections,
        args.wrk_threads,
    )
    (work / "var").mkdir(parents=True)
    migrate.upgrade(url)
    titles = catalog(rows(CSV), TITLES)
    fill_catalog(url, titles)
    # rows stay cached for the whole run: the figures are for a warm cache
    env = {
        **environment(work, cache_url),
        "MARQUEE_DATABASE_URL": url,
        "MARQUEE_DEFAULT_COUNTRY": "US",
        "MARQUEE_DISCOVERY_BROWSE_TTL_S": "3600",
        # the model trained below is served from the cold round on: at the default 30 s the
        # node found it during the first warm round and built every profile's rows again
        "MARQUEE_RECOMMEND_MODEL_POLL_S": str(MODEL_POLL_S),
    }
    server, base = serve(work, env)
    keep_off_last_cpu(server.pid)
    try:
        pairs = viewers(base)
        others = [uuid.uuid4().hex for _ in range(PROFILES - len(pairs))]
        started = time.perf_counter()
        fill_history(url, [t.id for t in titles], [p for _, p in pairs] + others, plays)
        fill_positions(url, [t.id for t in titles], [p for _, p in pairs])
        took = time.perf_counter() - started
        print(
            f"{TITLES:,} titles, {PROFILES:,} profiles, {plays:,} plays and "
            f"{len(pairs) * POSITIONS:,} positions inserted in {took:.1f} s"
        )
        if args.model:
            settings = Settings(data_dir=work / "var", database_url=url, cache_url=cache_url)
            train_model(url, settings)
            picks_in_process(url, settings, [p for _, p in pairs], args.profile)
            wait_for_model(base)
        p50, p99 = percentiles(cold(base, pairs))
        print(f"cold (rows built, 8 at a time): p50 {p50:.1f} ms  p99 {p99:.1f} ms")
        for count in connections:
            cpu = server_cpu_s(server.pid)
            out = wrk(base, pairs, work, seconds, count, threads)
            report(count, out, server_cpu_s(server.pid) - cpu)
    finally:
        server.kill()
        server.wait(10)


def report(connections: int, out: str, cpu_s: float, what: str = "warm, ") -> None:
    lines = {line.split()[0]: line.split()[1] for line in out.splitlines() if "%" in line}
    rps = next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec"))
    served = next(int(line.split()[0]) for line in out.splitlines() if "requests in" in line)
    errors = [line.strip() for line in out.splitlines() if "Non-2xx" in line or "errors" in line]
    latency = ", ".join(f"{p} {lines.get(p[1:] + '%')}" for p in ("p50", "p90", "p99"))
    per_request = cpu_s / max(served, 1) * 1000
    print(
        f"{what}{connections} connections (wrk): {float(rps):,.0f} req/s; {latency}; "
        f"server CPU {per_request:.2f} ms per request"
    )
    for line in errors:
        print(line)


if __name__ == "__main__":
    main()
