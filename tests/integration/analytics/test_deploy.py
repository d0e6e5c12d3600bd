"""deploy/: the Prometheus alert rules pass ``promtool check rules`` and, with the Grafana
dashboard, name only metrics that Marquee's /metrics serves."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.analytics.conftest import World, sample, telemetry

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
