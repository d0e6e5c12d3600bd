"""deploy/: the Prometheus alert rules pass ``promtool check rules`` and, with the Grafana
dashboard, name only metrics that Marquee's /metrics serves."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.analytics.conftest import World, sample, telemetry
from tests.integration.kit.test_storage_contract import free_port

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
RULES = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "marquee.json"
SUFFIXES = ("_bucket", "_count", "_sum")


def _named(text: str) -> set[str]:
    names = set(re.findall(r"\bmarquee_[a-z_]+", text))
    return {next((n.removesuffix(s) for s in SUFFIXES if n.endswith(s)), n) for n in names}


def test_alert_rules_pass_promtool() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian's prometheus package; .ci/run installs it)")
    checked = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_dashboard_and_the_rules_name_metrics_that_metrics_serves(world: World) -> None:
    viewer = world.caller()
    url = f"/api/v1/playback/sessions/{world.session_of(viewer)}/events"
    batch = [telemetry("startup", startup_ms=900), telemetry("stall_end", duration_ms=10)]
    batch += [sample(), telemetry("error", code="X")]
    assert viewer.call("POST", url, json={"events": batch}).status_code == 202
    served = {
        family.name for family in text_string_to_metric_families(world.client.get("/metrics").text)
    }
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    named = _named(expressions) | _named(RULES.read_text())
    assert {"marquee_playback_startup_seconds", "marquee_playback_errors"} <= {
        n.removesuffix("_total") for n in named
    }
    assert sorted(n for n in named if n.removesuffix("_total") not in served) == []


def test_a_real_prometheus_scrapes_the_quality_metrics_and_loads_the_rules(
    world: World, tmp_path: Path
) -> None:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip(
            "prometheus is not installed (Debian's prometheus package; .ci/run installs it)"
        )
    viewer = world.caller()
    url = f"/api/v1/playback/sessions/{world.session_of(viewer)}/events"
    startup = [telemetry("startup", startup_ms=1200)]
    assert viewer.call("POST", url, json={"events": startup}).status_code == 202
    app_port, prometheus_port = free_port(), free_port()
    server = uvicorn.Server(
        uvicorn.Config(world.client.app, host="127.0.0.1", port=app_port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: ['{RULES}']\n"
        "scrape_configs:\n"
        f"  - {{job_name: marquee, static_configs: [{{targets: ['127.0.0.1:{app_port}']}}]}}\n"
    )
    command = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp_path / 'data'}",
        f"--web.listen-address=127.0.0.1:{prometheus_port}",
    ]
    prometheus = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        api = f"http://127.0.0.1:{prometheus_port}/api/v1"
        query = "sum(marquee_playback_startup_seconds_count)"
        found = _poll(f"{api}/query", {"query": query})
        rules = httpx.get(f"{api}/rules").json()["data"]["groups"]
    finally:
        prometheus.terminate()
        prometheus.wait(10)
        server.should_exit = True
    assert float(found[0]["value"][1]) >= 1
    assert sum(len(group["rules"]) for group in rules) == 5


def _poll(url: str, params: dict[str, str], timeout_s: float = 60) -> list[dict[str, Any]]:
    """The query's result once it has one (Prometheus scrapes every second)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            result: list[dict[str, Any]] = httpx.get(url, params=params).json()["data"]["result"]
        except (httpx.HTTPError, ValueError, KeyError):
            result = []
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"Prometheus had no {params} after {timeout_s} s")
