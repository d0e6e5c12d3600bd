"""Steering, cache warming and the origin route, through delivery's service and the app."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from marquee import domains
from marquee.app import create_app
from marquee.delivery import service, tasks
from marquee.delivery.schemas import WarmReport
from marquee.kit.db import Database
from marquee.kit.queue import JobContext, JobRun, enqueue
from marquee.kit.storage import LocalObjectStore
from marquee.settings import Settings
from tests.integration.delivery.conftest import KEYS, signed
from tests.integration.delivery.edges import FakeOrigin, PythonEdge, free_port, get


@pytest.fixture
def python_edge(origin: FakeOrigin, tmp_path: Path) -> Iterator[PythonEdge]:
    node = PythonEdge(origin.url, tmp_path / "cache", 10 * 1024 * 1024, KEYS)
    node.start()
    yield node
    node.stop()


def delivery_settings(settings: Settings, edges: list[dict[str, str | int]]) -> Settings:
    keys = ",".join(f"{kid}={secret}" for kid, secret in KEYS.secrets.items())
    return settings.model_copy(
        update={
            "delivery_keys": SecretStr(keys),
            "delivery_key_id": KEYS.current,
            "delivery_edges": edges,
            "delivery_country_regions": {"FR": ["eu", "us"]},
            "delivery_health_interval_s": 0.1,
        }
    )


def test_edges_for_drops_a_dead_edge_within_seconds(
    settings: Settings, python_edge: PythonEdge
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    edges: list[dict[str, str | int]] = [
        {"name": "eu-dead", "url": dead, "region": "eu"},
        {"name": "us-1", "url": python_edge.url, "region": "us"},
    ]
    configured = delivery_settings(settings, edges)
    started = time.monotonic()
    while len(service.edges_for(configured, country="FR")) > 1 and time.monotonic() - started < 5:
        time.sleep(0.05)
    assert [e.name for e in service.edges_for(configured, country="FR")] == ["us-1"]
    assert time.monotonic() - started < 2


def test_without_edges_players_are_sent_to_the_origin(settings: Settings) -> None:
    only = service.edges_for(settings, country="FR")
    assert [e.url for e in only] == [f"{settings.public_url}/api/v1/delivery"]


@pytest.fixture
def storage(settings: Settings, origin: FakeOrigin) -> LocalObjectStore:
    """Six 100 kB segments of asset ``pop``, in the object store and at the origin."""
    store = LocalObjectStore(settings.data_dir / "objects")
    for i in range(6):
        key = f"assets/pop/seg-{i}.m4s"
        origin.objects[key] = bytes(100_000)
        store.put_bytes(key, origin.objects[key])
    return store


def test_warming_fills_a_regions_edges_within_the_budget(
    settings: Settings, python_edge: PythonEdge, storage: LocalObjectStore
) -> None:
    configured = delivery_settings(
        settings, [{"name": "eu-1", "url": python_edge.url, "region": "eu"}]
    )
    get(python_edge.url + signed("assets/pop/seg-0.m4s"))
    steps: list[tuple[float, list[WarmReport]]] = []
    [report] = service.warm_region(
        configured,
        storage=storage,
        region="eu",
        asset_ids=["pop"],
        budget_bytes=450_000,
        progress=lambda fraction, reports: steps.append((fraction, list(reports))),
    )
    assert (report.objects, report.bytes, report.skipped) == (4, 400_000, 2)
    assert report.hit_ratio_before == 0.25
    assert report.hit_ratio_after == 1.0
    assert get(python_edge.url + signed("assets/pop/seg-3.m4s")).headers["x-cache"] == "HIT"
    assert steps == [(1.0, [report])]


def test_the_warming_jobs_run_holds_its_report(
    settings: Settings, python_edge: PythonEdge, storage: LocalObjectStore
) -> None:
    configured = delivery_settings(
        settings, [{"name": "eu-1", "url": python_edge.url, "region": "eu"}]
    )
    domains.load_jobs()
    db = Database(settings.resolved_database_url)
    with db.transaction() as session:
        job_id = enqueue(session, "delivery.warm_edges", region="eu", asset_ids=["pop"])
    services = SimpleNamespace(settings=configured, storage=storage)
    ctx = JobContext(job_id, "delivery.warm_edges", attempt=1, services=services, db=db)
    tasks.warm_edges(ctx, region="eu", asset_ids=["pop"])
    with db.sessions() as session:
        run = session.get_one(JobRun, job_id)
        [report] = json.loads(run.message)
        assert run.progress == 1.0
    db.dispose()
    assert report["edge"] == "eu-1"
    assert (report["objects"], report["bytes"]) == (6, 600_000)
    assert (report["hit_ratio_before"], report["hit_ratio_after"]) == (0.0, 1.0)
    assert report["assets"] == ["pop"]


def test_the_origin_serves_assets_behind_the_token(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        client.app.state.platform.storage.put_bytes("assets/o1/manifest.mpd", b"<MPD/>" * 100)
        base = "/api/v1/delivery" + service.sign_path(
            settings, prefix="/assets/o1/", session_id="sess"
        )
        full = client.get(base + "manifest.mpd")
        part = client.get(base + "manifest.mpd", headers={"Range": "bytes=0-5"})
        altered = client.get(base.replace("/o1/", "/o2/") + "manifest.mpd")
        missing = client.get(base + "nope.m4s")
    assert full.status_code == 200
    assert full.headers["content-type"].startswith("application/dash+xml")
    assert full.headers["cache-control"] == "public, max-age=10"
    assert (part.status_code, part.content) == (206, b"<MPD/>")
    assert altered.status_code == 403
    assert altered.json()["type"] == "/problems/invalid-delivery-token"
    assert missing.status_code == 404


def test_the_origin_decodes_an_address_once_and_refuses_other_spellings(
    settings: Settings,
) -> None:
    """The router decodes the path once; the token check must not decode it again, or
    ``%256D`` would be a second address of ``m`` (and a second edge cache entry)."""
    with TestClient(create_app(settings)) as client:
        client.app.state.platform.storage.put_bytes("assets/o1/manifest.mpd", b"<MPD/>")
        base = "/api/v1/delivery" + service.sign_path(
            settings, prefix="/assets/o1/", session_id="sess"
        )
        once = client.get(base + "%6Danifest.mpd")
        twice = client.get(base + "%256Danifest.mpd")
        slash = client.get(base.replace("/assets/o1/", "/assets%2Fo1/") + "manifest.mpd")
    assert (once.status_code, once.content) == (200, b"<MPD/>")
    assert twice.status_code == slash.status_code == 400
    assert twice.json()["type"] == "/problems/invalid-delivery-path"
