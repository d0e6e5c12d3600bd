"""``/metrics`` serves ``marquee_jobs_queued`` per queue, read from the job runs of every
process at each scrape: what a worker autoscaler (deploy/kubernetes) scales on."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from marquee import migrate
from marquee.app import create_app
from marquee.kit.db import Database
from marquee.kit.queue import JobRun
from marquee.settings import load_settings


def queued(text: str) -> dict[str, float]:
    (family,) = [f for f in text_string_to_metric_families(text) if f.name == "marquee_jobs_queued"]
    return {sample.labels["queue"]: sample.value for sample in family.samples}


def test_the_jobs_waiting_per_queue_are_exported(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, env="test", log_json=False)
    migrate.upgrade(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    with db.transaction() as session:
        runs = [
            ("media.package", "queued"),
            ("media.analyse", "retrying"),
            ("media.analyse", "running"),
            ("media.package", "succeeded"),
        ]
        session.add_all(
            JobRun(id=f"job-{i}", name=n, args={}, state=s) for i, (n, s) in enumerate(runs)
        )
    db.dispose()

    with TestClient(create_app(settings), client=("127.0.0.1", 50000)) as client:
        text = client.get("/metrics").text

    assert queued(text) == {"short": 0, "long": 2}
