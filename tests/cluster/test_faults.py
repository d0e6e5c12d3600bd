"""Faults on a running cluster (tests/cluster/topology.py), each with its measured result
asserted and printed: an API node, a worker and an edge SIGKILLed at the worst moment, the
cache flushed and restarted, the broker restarted. Each test heals the topology it broke.

One clip goes through it all: uploaded (tus) through the load balancer while the API node
taking it dies, encoded while the worker running the encode dies, played from the edges
while the edge serving it dies.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.cluster.topology import (
    PASSWORD,
    TUS,
    Caller,
    Cluster,
    Node,
    account,
    drive,
    make_clip,
    poll,
    publish,
    sign_in,
)
from tests.integration.delivery.test_failover import base_urls, play, segment_names

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def editor(cluster: Cluster) -> Caller:
    return Caller(cluster, cluster.admin, sign_in(cluster, cluster.admin))


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clip") / "clip.mp4")


# --- a studio upload while its API node dies --------------------------------------------------


@dataclass
class Uploaded:
    upload_id: str
    title_id: str
    resumed: int
    patches: Counter[str]


def tus_upload(editor: Caller, data: bytes, kill_midway: Node) -> tuple[str, int, Counter[str]]:
    """A tus client: the first chunk straight to ``kill_midway``, the second one too but cut
    off by its SIGKILL, the rest through the load balancer, asking it for the offset (HEAD)
    after the failure as tus clients do. Returns the upload id, resumptions, and who answered."""
    name = base64.b64encode(b"cluster.mp4").decode()
    headers = {**TUS, "Upload-Length": str(len(data)), "Upload-Metadata": f"filename {name}"}
    created = editor.call("POST", "/api/v1/studio/uploads", headers=headers)
    assert created.status_code == 201, created.text
    path = "/api/v1/studio/uploads/" + created.headers["Location"].rsplit("/", 1)[1]
    direct = f"http://127.0.0.1:{kill_midway.port}"
    patch = {**editor.headers, **TUS, "Content-Type": "application/offset+octet-stream"}
    answered: Counter[str] = Counter()
    first = httpx.patch(direct + path, headers={**patch, "Upload-Offset": "0"},
                        content=data[:CHUNK])  # fmt: skip
    assert first.status_code == 204, first.text
    answered[kill_midway.name] += 1

    def dying_body() -> Any:
        yield data[CHUNK : CHUNK + 4096]
        kill_midway.kill()
        yield data[CHUNK + 4096 : 2 * CHUNK]

    with pytest.raises(httpx.TransportError):
        httpx.patch(direct + path, headers={**patch, "Upload-Offset": str(CHUNK)},
                    content=dying_body())  # fmt: skip
    offset, resumed = None, 0
    while offset != len(data):
        if offset is None:
            head = editor.call("HEAD", path, headers=TUS)
            assert head.status_code == 200, head.text
            offset, resumed = int(head.headers["Upload-Offset"]), resumed + 1
            continue
        sent = editor.call("PATCH", path, headers={**patch, "Upload-Offset": str(offset)},
                           content=data[offset : offset + CHUNK])  # fmt: skip
        answered["load balancer"] += 1
        offset = int(sent.headers["Upload-Offset"]) if sent.status_code == 204 else None
    return path.rsplit("/", 1)[1], resumed, answered


@pytest.fixture(scope="module")
def uploaded(cluster: Cluster, editor: Caller, clip: Path) -> Uploaded:
    body = {"kind": "movie", "original_title": "Cluster clip", "original_language": "en"}
    title = editor.call("POST", "/api/v1/studio/titles", json=body)
    assert title.status_code == 201, title.text
    upload_id, resumed, patches = tus_upload(editor, clip.read_bytes(), cluster.nodes["api-1"])
    cluster.nodes["api-1"].start()  # back while the next tests run; they wait where they need it
    return Uploaded(upload_id, title.json()["id"], resumed, patches)


def wait_assembled(cluster: Cluster, uploaded: Uploaded) -> None:
    """Until the upload's parts are joined into one object (after its last PATCH answered)."""

    def assembled() -> bool:
        rows = cluster.sql(
            "SELECT 1 FROM catalog_uploads WHERE id = :id AND object_key IS NOT NULL",
            id=uploaded.upload_id,
        )
        return bool(rows)

    poll("the upload assembled", assembled, 30)


def test_a_studio_upload_continues_through_the_other_api_node(
    cluster: Cluster, uploaded: Uploaded, clip: Path
) -> None:
    wait_assembled(cluster, uploaded)
    key = cluster.sql("SELECT object_key FROM catalog_uploads WHERE id = :id",
                      id=uploaded.upload_id)[0][0]  # fmt: skip
    stored = cluster.s3().get_object(Bucket="marquee", Key=key)["Body"].read()
    print(
        f"\ntus upload of {clip.stat().st_size} bytes: the node taking it SIGKILLed mid-PATCH; "
        f"{uploaded.resumed} resumption(s) from the other node's offset, PATCHes answered "
        f"{dict(uploaded.patches)}; stored object byte-identical"
    )
    assert hashlib.sha256(stored).digest() == hashlib.sha256(clip.read_bytes()).digest()
    assert uploaded.resumed == 1


# --- a worker SIGKILLed mid-encode --------------------------------------------------------------


@dataclass
class Encoded:
    asset_id: str
    title_id: str
    killed: str
    seconds: float


def encoding_worker(cluster: Cluster) -> Node | None:
    """The worker whose process group runs an x264 encode now."""
    groups = {node.pid: node for node in cluster.of("worker") if node.alive()}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            if b"libx264" not in cmdline or "ffmpeg" not in Path(cmdline[0].decode()).name:
                continue
            group = os.getpgid(int(proc.name))
        except (OSError, ProcessLookupError):
            continue
        if group in groups:
            return groups[group]
    return None


@pytest.fixture(scope="module")
def encoded(cluster: Cluster, editor: Caller, uploaded: Uploaded) -> Encoded:
    wait_assembled(cluster, uploaded)  # also when this test runs alone
    began = time.monotonic()
    ingests = f"/api/v1/studio/titles/{uploaded.title_id}/ingests"
    started = editor.call("POST", ingests, json={"upload_id": uploaded.upload_id})
    assert started.status_code == 201, started.text
    asset_id = started.json()["asset_id"]
    found: list[Node] = []

    def caught() -> bool:
        worker = encoding_worker(cluster)
        if worker is not None:
            found.append(worker)
        return worker is not None

    def encodes_made() -> bool:
        return bool(
            cluster.sql(
                "SELECT 1 FROM media_asset_steps WHERE asset_id = :id AND name LIKE 'encode:%'",
                id=asset_id,
            )
        )

    # the ingest's checks come first: minutes when the other pytest worker is busy too, so the
    # process table (a few ms of CPU a scan) is only scanned every 10 ms once encodes are made
    poll("the asset's encodes made", encodes_made, 480, every_s=0.1)
    poll("an encode running on a worker", caught, 120, every_s=0.01)
    found[0].kill()
    found[0].start()  # the replacement comes up while the other worker carries on
    status = ""

    def finished() -> bool:
        nonlocal status
        status = editor.call("GET", f"/api/v1/media/assets/{asset_id}").json()["status"]
        return status in ("ready", "failed")

    poll(f"asset {asset_id} ready", finished, 120, every_s=0.2)
    assert status == "ready"
    return Encoded(asset_id, uploaded.title_id, found[0].name, time.monotonic() - began)


def test_a_worker_killed_mid_encode_leaves_a_ready_asset_and_no_duplicate(
    cluster: Cluster, encoded: Encoded
) -> None:
    steps = cluster.sql(
        "SELECT name, status, attempts FROM media_asset_steps WHERE asset_id = :id",
        id=encoded.asset_id,
    )
    runs = cluster.sql(
        "SELECT name, state FROM kit_job_runs WHERE CAST(args AS TEXT) LIKE :asset",
        asset=f"%{encoded.asset_id}%",
    )
    claims = cluster.sql("SELECT key FROM kit_claims WHERE key LIKE :asset",
                         asset=f"%{encoded.asset_id}%")  # fmt: skip
    retried = [name for name, _status, attempts in steps if attempts > 1]
    print(
        f"\nworker SIGKILLed mid-encode ({encoded.killed}): asset ready after "
        f"{encoded.seconds:.1f} s; {len(steps)} steps, attempts {sum(s[2] for s in steps)}, "
        f"retried {retried}; job runs {Counter(state for _n, state in runs)}; claims left "
        f"{len(claims)}"
    )
    assert {status for _n, status, _a in steps} == {"succeeded"}
    assert sum(attempts for *_, attempts in steps) <= len(steps) + 1  # only the killed step again
    assert {state for _n, state in runs} == {"succeeded"}  # nothing queued, running or failed
    assert claims == []
    assert encoding_worker(cluster) is None  # no ffmpeg left behind by the killed worker


# --- an edge killed mid-play -------------------------------------------------------------------


@pytest.fixture(scope="module")
def viewer(cluster: Cluster, editor: Caller, encoded: Encoded) -> Caller:
    publish(editor, encoded.title_id)
    signed_up = account(cluster)
    grant = {"plan_id": "standard", "days": 30}
    path = f"/api/v1/admin/accounts/{signed_up.tokens['account_id']}/grants"
    granted = editor.call("POST", path, json=grant)
    assert granted.status_code in (200, 201), granted.text
    return signed_up


def test_an_edge_killed_mid_play_costs_a_retry_not_a_segment(
    cluster: Cluster, viewer: Caller, encoded: Encoded
) -> None:
    profile = viewer.call("GET", "/api/v1/profiles").json()[0]["id"]
    body = {"title_id": encoded.title_id, "profile_id": profile}
    session = viewer.call("POST", "/api/v1/playback/sessions", json=body)
    assert session.status_code == 201, session.text
    mpd = httpx.get(session.json()["manifests"]["dash"], timeout=10).text
    bases, names = base_urls(mpd), segment_names(mpd)
    edges = {cluster.node_url(node.name): node for node in cluster.of("edge")}
    first = next(node for url, node in edges.items() if bases[0].startswith(url))
    assert len(bases) >= 2
    assert len(names) >= 3

    def kill_the_first_edge(index: int) -> None:
        if index == 1:
            first.kill()

    played = play(mpd, kill_the_first_edge)
    first.start()
    again = play(mpd, lambda _index: None)  # the same segments, fetched after the failover
    print(
        f"\nedge {first.name} SIGKILLed mid-play: {len(names)} segments, "
        f"{len(played.failed)} failed, {played.retries} retried on the next edge"
    )
    assert played.failed == []
    assert played.retries == 1
    assert list(played.bodies) == names
    assert all(played.bodies[name] == again.bodies[name] for name in names)


# --- an API node SIGKILLed under load ----------------------------------------------------------


def test_an_api_node_killed_under_load_fails_under_a_thousandth(
    cluster: Cluster, editor: Caller
) -> None:
    cluster.wait_balanced()
    victim = cluster.nodes["api-2"]
    killer = threading.Timer(1.5, victim.kill)
    killer.start()
    load = drive(cluster.url, editor, 4.0, threads=4)
    killer.join()
    victim.start()
    rate = load.sent / load.seconds
    print(
        f"\nAPI node SIGKILLed under load: {load.sent} GETs in {load.seconds:.1f} s "
        f"({rate:.0f}/s through nginx), {load.failed} failed "
        f"({100 * load.failed / max(load.sent, 1):.3f}%)"
    )
    assert load.sent >= 100  # so that a single failure would fail the test
    assert load.failed / load.sent < 0.001


# --- the cache flushed, then restarted ---------------------------------------------------------


def test_a_flushed_or_restarted_cache_signs_nobody_out_and_keeps_lock_outs(
    cluster: Cluster,
) -> None:
    devices = [account(cluster) for _ in range(3)]
    locked = account(cluster)
    lockout = int(cluster.env.get("MARQUEE_LOCKOUT_THRESHOLD", "5"))
    for _ in range(lockout):
        wrong = {"email": locked.email, "password": "not the password"}
        assert httpx.post(f"{cluster.url}/api/v1/auth/login", json=wrong).status_code == 401
    cache = redis.Redis(port=cluster.redis_port)

    def check(after: str) -> tuple[int, int]:
        answers = Counter(d.call("GET", "/api/v1/account").status_code for d in devices)
        refresh = devices[0].tokens["refresh_token"]
        rotated = httpx.post(f"{cluster.url}/api/v1/auth/refresh",
                             json={"refresh_token": refresh})  # fmt: skip
        assert rotated.status_code == 200, f"{after}: {rotated.text}"
        devices[0].tokens = rotated.json()
        right = {"email": locked.email, "password": PASSWORD}
        refused = httpx.post(f"{cluster.url}/api/v1/auth/login", json=right)
        print(f"\n{after}: {dict(answers)} for {len(devices)} signed-in devices, refresh "
              f"{rotated.status_code}, locked-out sign-in {refused.status_code}")  # fmt: skip
        assert refused.status_code == 429
        return answers[200], answers[401]

    cache.flushdb()
    assert check("redis FLUSHDB") == (len(devices), 0)
    cluster.nodes["redis"].kill()
    cluster.nodes["redis"].start().wait_port(30)
    poll("the balancer ready again", lambda: lb_ready(cluster), 60, every_s=0.1)
    assert check("redis SIGKILLed and restarted empty") == (len(devices), 0)


def lb_ready(cluster: Cluster) -> bool:
    """Whether ``/readyz`` answers 200 through the balancer (every backend reachable)."""
    return httpx.get(f"{cluster.url}/readyz", timeout=5).status_code == 200


# --- the broker restarted ----------------------------------------------------------------------


def mails_to(cluster: Cluster, addresses: set[str]) -> Counter[str]:
    """How many mails each address got, from every worker's mail folder."""
    got: Counter[str] = Counter()
    for worker in cluster.of("worker"):
        folder = Path(worker.env["MARQUEE_DATA_DIR"], "mail")
        for path in folder.glob("*.eml") if folder.exists() else ():
            for line in path.read_text(errors="replace").splitlines():
                if line.startswith("To: ") and line[4:].strip() in addresses:
                    got[line[4:].strip()] += 1
    return got


def test_jobs_queued_while_the_broker_restarts_run_afterwards_once(cluster: Cluster) -> None:
    broker = cluster.nodes["rabbitmq"]
    broker.stop(30)
    addresses = {f"broker-{uuid.uuid4().hex[:8]}@example.com" for _ in range(6)}
    for email in addresses:  # each sign-up queues its verification mail (a job)
        form = {"email": email, "password": PASSWORD}
        response = httpx.post(f"{cluster.url}/api/v1/auth/signup", json=form, timeout=30)
        assert response.status_code == 201, response.text
    began = time.monotonic()
    broker.start().wait_port(90)
    poll("every mail sent", lambda: len(mails_to(cluster, addresses)) == len(addresses), 90, 0.2)
    waited = time.monotonic() - began
    time.sleep(1)  # no poll can see a duplicate that is not there: give one a second to come
    counts = mails_to(cluster, addresses)
    print(
        f"\nbroker restarted with {len(addresses)} jobs waiting: all ran {waited:.1f} s after "
        f"the restart began; runs per job {sorted(counts.values())}"
    )
    assert set(counts.values()) == {1}
