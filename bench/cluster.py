"""Sizing figures on the cluster suite's topology (tests/cluster/topology.py): requests/s per
API node, encodes per worker-hour, hits/s per edge and memory per process.

Starts the whole topology on a fresh database of the local PostgreSQL (127.0.0.1:5432, trust;
``MARQUEE_TEST_POSTGRES_URL``), RabbitMQ, Redis, NATS, moto and nginx of its own, then:

* requests/s: ``THREADS`` clients of authenticated GETs (the account, then the plans: both read
  the database) for ``DURATION_S`` seconds, first to one API node directly, then to both
  through nginx;
* encodes: ``CLIPS`` clips of 6 s at 240p through the pipeline (upload, probe, QC, the two-rung
  test ladder, packaging, encryption) on the two workers, timed from the first ingest to the
  last asset ready;
* edge hits/s: one signed segment fetched over and over from one edge (a warm cache);
* memory: the resident set of every process at the end.

The client shares the machine's cores with every node: the figures are lower bounds.
``--smoke`` runs a second of each, one clip (what a CI smoke would).

    .venv/bin/python bench/cluster.py [--smoke]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.cluster.topology import (
    TUS,
    Caller,
    Cluster,
    account,
    drive,
    in_parallel,
    make_clip,
    poll,
    publish,
    running,
    sign_in,
)
from tests.conftest import empty_database
from tests.integration.delivery.test_failover import base_urls, segment_names
from tests.services import POSTGRES_URL

from marquee import migrate

THREADS = 8


def requests_per_s(base: str, caller: Caller, seconds: float) -> float:
    """Authenticated GETs that read the database and succeed, ``THREADS`` clients at ``base``."""
    load = drive(base, caller, seconds, THREADS)
    return (load.sent - load.failed) / load.seconds


def encodes(cluster: Cluster, editor: Caller, clip: Path, count: int) -> tuple[float, str]:
    """Seconds from the first ingest to the last asset ready, and one title id."""
    began = time.monotonic()
    assets, title_id = [], ""
    for _ in range(count):
        upload_id, title_id = upload(editor, clip)
        assets.append(start_ingest(editor, title_id, upload_id))
    for asset_id in assets:

        def ready(asset_id: str = asset_id) -> bool:
            status = editor.call("GET", f"/api/v1/media/assets/{asset_id}").json()["status"]
            assert status != "failed", asset_id
            return bool(status == "ready")

        poll(f"asset {asset_id}", ready, 600, every_s=0.2)
    return time.monotonic() - began, title_id


def start_ingest(editor: Caller, title_id: str, upload_id: str) -> str:
    """The new asset's id, once the upload is assembled (the ingest is refused until then)."""
    answers: list[httpx.Response] = []

    def started() -> bool:
        path = f"/api/v1/studio/titles/{title_id}/ingests"
        answers.append(editor.call("POST", path, json={"upload_id": upload_id}))
        assert answers[-1].status_code in (201, 409), answers[-1].text
        return answers[-1].status_code == 201

    poll("the ingest started", started, 60, every_s=0.1)
    return str(answers[-1].json()["asset_id"])


def upload(editor: Caller, clip: Path) -> tuple[str, str]:
    """A new title and the clip uploaded (tus, one PATCH) for it."""
    body = {"kind": "movie", "original_title": "Bench clip", "original_language": "en"}
    title_id = editor.call("POST", "/api/v1/studio/titles", json=body).json()["id"]
    data = clip.read_bytes()
    headers = {**TUS, "Upload-Length": str(len(data))}
    created = editor.call("POST", "/api/v1/studio/uploads", headers=headers)
    path = "/api/v1/studio/uploads/" + created.headers["Location"].rsplit("/", 1)[1]
    patch = {**TUS, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
    assert editor.call("PATCH", path, headers=patch, content=data).status_code == 204
    return path.rsplit("/", 1)[1], title_id


def edge_hits_per_s(segment_url: str, seconds: float) -> float:
    hits, lock = [0], threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        count = 0
        with httpx.Client(timeout=15) as http:
            while time.monotonic() < deadline:
                count += http.get(segment_url).status_code == 200
        with lock:
            hits[0] += count

    took = in_parallel(client, THREADS)
    return hits[0] / took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a second of each, one clip")
    smoke = parser.parse_args().smoke
    seconds, clips = (1.0, 1) if smoke else (15.0, 6)
    with (
        tempfile.TemporaryDirectory(prefix="marquee-bench-cluster-") as name,
        empty_database(POSTGRES_URL, "postgresql") as url,
        running(Path(name), url, lambda: migrate.upgrade(url)) as cluster,
    ):
        measure(cluster, Path(name), seconds, clips)


def measure(cluster: Cluster, root: Path, seconds: float, clips: int) -> None:
    editor = Caller(cluster, cluster.admin, sign_in(cluster, cluster.admin))
    viewer = account(cluster, "--plan", "standard")
    one = requests_per_s(cluster.node_url("api-1"), editor, seconds)
    both = requests_per_s(cluster.url, editor, seconds)
    print(f"API: {one:.0f} req/s on one node directly, {both:.0f} req/s on two through nginx "
          f"({THREADS} clients, GET /account and /plans)")  # fmt: skip

    clip = root / "clip.mp4"
    make_clip(clip)
    took, title_id = encodes(cluster, editor, clip, clips)
    workers = len(cluster.of("worker"))
    per_hour = clips / took * 3600 / workers
    print(f"encodes: {clips} clips of 6 s at 240p in {took:.1f} s on {workers} workers: "
          f"{per_hour:.0f} per worker-hour (one long thread each)")  # fmt: skip

    publish(editor, title_id)
    profile = viewer.call("GET", "/api/v1/profiles").json()[0]["id"]
    body = {"title_id": title_id, "profile_id": profile}
    session = viewer.call("POST", "/api/v1/playback/sessions", json=body).json()
    mpd = httpx.get(session["manifests"]["dash"], timeout=10).text
    segment = base_urls(mpd)[0] + segment_names(mpd)[1]
    print(f"edge: {edge_hits_per_s(segment, seconds):.0f} hits/s on one edge "
          f"(one warm segment, {THREADS} clients)")  # fmt: skip

    memory = ", ".join(
        f"{node.name} {node.rss_mib():.0f}"
        for node in cluster.nodes.values()
        if node.name.startswith(("api", "worker", "edge"))
    )
    print(f"memory (MiB resident, main process): {memory}")


if __name__ == "__main__":
    main()
