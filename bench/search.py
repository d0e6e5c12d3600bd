"""Search latency on a 100,000-title catalog: exact, typo and prefix queries, p50/p99.

The public 8,807-title CSV (``../shared/data/catalog/netflix_titles.csv``, or ``--csv``) is
repeated with a copy number in each title until there are ``--titles`` titles (a synthetic
vocabulary when the file is absent). In-process: the index is built directly and a query
runs as a request does (query built, index searched, hits filtered by the visible set,
popularity blended). Over HTTP: the same titles are bulk-inserted into a fresh SQLite
catalog, ``marquee serve`` runs on 127.0.0.1, and ``/api/v1/search`` and
``/api/v1/search/suggest`` are asked one request at a time (p50/p99), then by wrk with
``--connections`` (32) for ``--seconds`` each (req/s, p50/p90/p99, server CPU per request;
wrk on the last CPU, as bench/browse.py runs it). With ``--processes N`` (> 1) the API runs as
N uvicorn worker processes on one port, sharing Redis as the cache (``--cache-url``): sign-in
sessions and profiles must be seen by every process.

    .venv/bin/python bench/search.py [--titles 100000] [--queries 2000] [--connections 32]
        [--processes 1] [--cache-url redis://127.0.0.1:6379/9]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from sqlalchemy import insert
from sqlalchemy.orm import Session

from marquee import migrate
from marquee.app import create_app
from marquee.catalog.models import Title, TitleGenre, Window, WindowTerritory
from marquee.catalog.schemas import Credit, StudioTitle
from marquee.catalog.service import genre_slug
from marquee.discovery import service
from marquee.discovery.cards import Cards
from marquee.discovery.index import DIRECTORY, SearchIndex, document
from marquee.discovery.memo import Memo
from marquee.discovery.node import Node
from marquee.kit.cache import MemoryCache
from marquee.kit.db import Database
from marquee.settings import load_settings

CSV = Path(__file__).resolve().parents[2] / "shared/data/catalog/netflix_titles.csv"
NOW = datetime.now(UTC)
FAST_ACCOUNTS = {
    "MARQUEE_ARGON2_TIME_COST": "1",
    "MARQUEE_ARGON2_MEMORY_COST_KIB": "8",
    "MARQUEE_ARGON2_PARALLELISM": "1",
    "MARQUEE_SIGNUP_IP_LIMIT": "100000",
    "MARQUEE_LOGIN_IP_LIMIT": "100000",
    "MARQUEE_DISCOVERY_REINDEX_ON_START": "false",
}
PATHS = {"exact": "/api/v1/search", "typo": "/api/v1/search", "prefix": "/api/v1/search/suggest"}
WRK_SCRIPT = """
local paths = {{ {paths} }}
local i = 0
wrk.headers["Authorization"] = "{auth}"
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def rows(path: Path) -> list[dict[str, str]]:
    if path.exists():
        with path.open(newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    rng = random.Random(1)
    syllables = ["mor", "tan", "vel", "qui", "stra", "lon", "dar", "ber", "sil", "kem"]
    word = lambda: "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))  # noqa: E731
    return [
        {
            "title": " ".join(word().title() for _ in range(rng.randint(1, 4))),
            "description": " ".join(word() for _ in range(20)),
            "cast": ", ".join(word().title() for _ in range(3)),
            "director": word().title(),
            "listed_in": "Dramas, Comedies",
            "release_year": "2020",
            "type": "Movie",
        }
        for _ in range(8807)
    ]


def catalog(source: list[dict[str, str]], count: int) -> list[StudioTitle]:
    """``count`` titles: the source's rows, copy n named "Title n" after the first round."""
    titles = []
    for i in range(count):
        row = source[i % len(source)]
        copy = i // len(source)
        name = row["title"] if copy == 0 else f"{row['title']} {copy}"
        people = [p.strip() for p in f"{row['director']},{row['cast']}".split(",") if p.strip()]
        titles.append(
            StudioTitle.model_construct(
                id=uuid.uuid4().hex,
                kind="series" if row["type"] == "TV Show" else "movie",
                original_title=name,
                original_language="en",
                synopsis=row["description"],
                release_year=int(row["release_year"] or 2000),
                genres=[g.strip() for g in row["listed_in"].split(",") if g.strip()],
                localizations={},
                credits=[Credit.model_construct(name=p) for p in people[:8]],
                ratings=[],
                artwork=[],
            )
        )
    return titles


def queries(titles: list[StudioTitle], n: int) -> dict[str, list[str]]:
    """Exact words of titles, the same with one typo, and the first letters as typed."""
    rng = random.Random(7)
    words = [w for t in titles[:20000] for w in t.original_title.split() if len(w) >= 6]
    words = [w for w in words if w.isalpha()]
    picked = [rng.choice(words) for _ in range(n)]
    return {
        "exact": picked,
        "typo": [typo(w, rng) for w in picked],
        "prefix": [w[: rng.randint(3, 5)] for w in picked],
    }


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["swap", "drop", "change"])
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + rng.choice("aeioustr") + word[i + 1 :]


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100)
    return statistics.median(samples), cuts[98]


def timed(run: Callable[[str], object], texts: list[str]) -> tuple[float, float]:
    samples = []
    for text in texts:
        start = time.perf_counter()
        run(text)
        samples.append((time.perf_counter() - start) * 1000)
    return percentiles(samples)


def in_process(work: Path, titles: list[StudioTitle], texts: dict[str, list[str]]) -> None:
    index = SearchIndex(work / "var" / DIRECTORY)  # where the server's node finds it
    started = time.perf_counter()
    index.add_documents(document(t) for t in titles)
    print(f"index: {len(titles):,} titles in {time.perf_counter() - started:.1f} s")
    node = Node(
        index=index,
        visible=Memo(3600),
        genres=Memo(3600),
        popular=Memo(3600),
        ranked=Memo(3600),
        cards=Cards(ttl_s=3600, max_titles=1),
        rows=MemoryCache(),
    )
    ids = [t.id for t in titles]
    node.visible.get(("US", "adult"), lambda: (ids, frozenset(ids)))
    rng = random.Random(3)
    node.popular.get("plays", lambda: {i: rng.randint(0, 500) for i in ids[::3]})
    session = cast(Session, None)  # the memos are warm: no query reaches the database

    def run(text: str, prefix: bool) -> object:
        return service.ranked_ids(
            node,
            session,
            text=text,
            territory="US",
            maturity="adult",
            languages=["en"],
            prefix=prefix,
        )

    print("in-process (query, search, visibility filter, popularity):")
    for kind, found in texts.items():
        p50, p99 = timed(lambda t, k=kind: run(t, k == "prefix"), found)
        hits = sum(1 for t in found if run(t, kind == "prefix")) / len(found)
        print(f"  {kind:<7} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   {hits:.0%} of queries match")


def fill_catalog(database_url: str, titles: list[StudioTitle]) -> None:
    """Bulk insert the titles, published, with one worldwide window each."""
    db = Database(database_url)
    with db.transaction() as session:
        for batch in chunks(titles, 5000):
            session.execute(insert(Title), [title_row(t) for t in batch])
            session.execute(insert(TitleGenre), [g for t in batch for g in genre_rows(t)])
            windows = [{"id": uuid.uuid4().hex, "title_id": t.id} for t in batch]
            session.execute(
                insert(Window),
                [
                    {**w, "territories": ["WORLD"], "starts_at": NOW.replace(year=2000)}
                    for w in windows
                ],
            )
            session.execute(
                insert(WindowTerritory),
                [
                    {"window_id": w["id"], "territory": "*", "title_id": w["title_id"]}
                    for w in windows
                ],
            )
    db.dispose()


def title_row(t: StudioTitle) -> dict[str, Any]:
    return {
        "id": t.id,
        "kind": t.kind,
        "original_title": t.original_title,
        "original_language": "en",
        "synopsis": t.synopsis,
        "release_year": t.release_year,
        "status": "published",
        "published_at": NOW,
        "created_at": NOW,
        "updated_at": NOW,
        "production_countries": [],
        "tags": [],
        "audio_languages": [],
        "subtitle_languages": [],
    }


def genre_rows(t: StudioTitle) -> list[dict[str, Any]]:
    slugs: dict[str, str] = {}
    for label in t.genres:
        slugs.setdefault(genre_slug(label), label)
    return [
        {"title_id": t.id, "slug": slug, "label": label, "position": i}
        for i, (slug, label) in enumerate(slugs.items())
    ]


def chunks(items: list[StudioTitle], size: int) -> Iterator[list[StudioTitle]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def api_app() -> FastAPI:
    """The API as each of ``uvicorn --workers`` builds it (the platform made in its lifespan)."""
    return create_app(load_settings())


def serve(
    work: Path, env: dict[str, str], processes: int = 1
) -> tuple[subprocess.Popen[bytes], str]:
    """``marquee serve`` (api role), or ``processes`` uvicorn workers of :func:`api_app`, on a
    free loopback port; waits until it answers."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "marquee"), "serve", "--role", "api"]
    if processes > 1:
        bench = str(Path(__file__).resolve().parent)
        workers = ["--factory", "--app-dir", bench, "--workers", str(processes), "--no-access-log"]
        command = [sys.executable, "-m", "uvicorn", *workers, "search:api_app"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a machine loaded by other work starts it in minutes
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("marquee serve did not start")


def environment(work: Path, cache_url: str = "memory://") -> dict[str, str]:
    settings = {"MARQUEE_DATA_DIR": str(work / "var"), "MARQUEE_CACHE_URL": cache_url}
    return {**os.environ, **FAST_ACCOUNTS, **settings}


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of the process and its children (uvicorn's workers)."""
    from browse import server_cpu_s  # bench/browse.py imports this module

    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return server_cpu_s(pid) + sum(server_cpu_s(int(child)) for child in children)


def sign_up(client: httpx.Client, email: str) -> tuple[dict[str, str], str]:
    """(auth headers, profile id) of a new account."""
    body = {"email": email, "password": "correct horse battery staple"}
    answer = client.post("/api/v1/auth/signup", json=body)
    if answer.status_code != 201:
        sys.exit(f"sign-up refused: {answer.status_code} {answer.text}")
    token = answer.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    profile = client.get("/api/v1/profiles", headers=headers).json()[0]["id"]
    return headers, profile


def over_http(
    work: Path,
    titles: list[StudioTitle],
    texts: dict[str, list[str]],
    seconds: int,
    connections: int,
    processes: int,
    cache_url: str,
) -> None:
    env = environment(work, cache_url)
    migrate.upgrade(f"sqlite:///{work / 'var' / 'marquee.db'}")
    started = time.perf_counter()
    fill_catalog(f"sqlite:///{work / 'var' / 'marquee.db'}", titles)
    print(f"catalog: {len(titles):,} titles inserted in {time.perf_counter() - started:.1f} s")
    server, base = serve(work, env, processes)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            headers, profile = sign_up(client, "bench@example.com")

            def ask(path: str, text: str) -> None:
                params = {"q": text, "profile_id": profile}
                assert client.get(path, params=params, headers=headers).status_code == 200

            ask("/api/v1/search", "warm")  # loads the visible set and popularity once
            print("over HTTP (one client, loopback; includes sign-in check and summaries):")
            for kind, found in texts.items():
                p50, p99 = timed(lambda t, p=PATHS[kind]: ask(p, t), found[:500])
                print(f"  {kind:<7} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   ({PATHS[kind]})")
        if shutil.which("wrk") and seconds > 0:
            loaded(base, work, server.pid, headers, profile, texts, seconds, connections)
        else:
            print("(no wrk on PATH: apt-get install wrk for the figures under load)")
    finally:
        server.terminate()
        server.wait(10)


def loaded(
    base: str,
    work: Path,
    pid: int,
    headers: dict[str, str],
    profile: str,
    texts: dict[str, list[str]],
    seconds: int,
    connections: int,
) -> None:
    """req/s and latency at ``connections`` (wrk, one thread, on the last CPU as in
    bench/browse.py): searches (the exact and typo queries), then suggestions (the prefixes)."""
    from browse import report, run_wrk  # bench/browse.py imports this module

    runs = {
        "/api/v1/search": texts["exact"] + texts["typo"],
        "/api/v1/search/suggest": texts["prefix"],
    }
    print(f"over HTTP under load ({seconds} s per run, queries taken in turn):")
    for path, found in runs.items():
        script = work / "search.lua"
        paths = ", ".join(f'"{path}?profile_id={profile}&q={quote(t)}"' for t in found)
        script.write_text(WRK_SCRIPT.format(auth=headers["Authorization"], paths=paths))
        cpu = tree_cpu_s(pid)
        out = run_wrk(base, script, seconds, connections, 1)
        report(connections, out, tree_cpu_s(pid) - cpu, what=f"  {path}, ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--csv", type=Path, default=CSV)
    parser.add_argument("--no-http", action="store_true", help="in-process figures only")
    parser.add_argument("--connections", type=int, default=32, help="under load (wrk)")
    parser.add_argument("--seconds", type=int, default=15, help="per run under load; 0: none")
    parser.add_argument("--processes", type=int, default=1, help="API processes (uvicorn)")
    parser.add_argument(
        "--cache-url", help="default: memory:// for one process, else redis://127.0.0.1:6379/9"
    )
    args = parser.parse_args()
    titles = catalog(rows(args.csv), args.titles)
    texts = queries(titles, args.queries)
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        work = Path(tmp)
        in_process(work, titles, texts)
        if not args.no_http:
            processes = args.processes
            cache_url = args.cache_url or (
                "memory://" if processes == 1 else "redis://127.0.0.1:6379/9"
            )
            over_http(work, titles, texts, args.seconds, args.connections, processes, cache_url)


if __name__ == "__main__":
    main()
