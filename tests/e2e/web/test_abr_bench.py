"""``bench/abr.py`` runs end to end and prints its ``--json`` contract (issue 23): a short trace
written here (one that drops), a short clip on a short ladder so that the ingest and the plays
fit a CI job, every rule played in headless Chromium; and ``bench/abr_tune.py`` over two traces
(a steady line as well)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e import browser as e2e
from tests.e2e.conftest import unavailable

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

BENCH = e2e.REPO / "bench" / "abr.py"
DASHJS = e2e.REPO / "tests/e2e/players/node_modules/dashjs/dist/modern/umd/dash.all.min.js"
TRACES = {
    "steady": "0\t3.0\n",
    "drop": "0\t4.0\n5\t0.6\n9\t2.0\n",
}
FIGURES = {"qoe_lin", "stall_ratio", "bitrate_mbps", "vmaf", "startup_p50_ms", "startup_p95_ms"}


def test_the_abr_bench_prints_one_json_line_per_its_contract(tmp_path: Path) -> None:
    reason = e2e.missing_requirement() or (None if DASHJS.exists() else "run `make players`")
    if reason:
        unavailable(reason)
    traces = tmp_path / "traces"
    traces.mkdir()
    (traces / "drop").write_text(TRACES["drop"])
    options = ["--traces", str(traces), "--max-traces", "1", "--seconds", "12"]
    options += ["--clip-seconds", "16", "--clip-height", "240", "--work", str(tmp_path / "work")]
    done = subprocess.run(
        [sys.executable, str(BENCH), *options, "--json"],
        cwd=e2e.REPO,
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    [line] = done.stdout.splitlines()
    answer = json.loads(line)
    assert answer["traces"] == 1
    assert set(answer["rules"]) == {"marquee", "shaka", "dashjs"}
    for rule, figures in answer["rules"].items():
        assert set(figures) == FIGURES, rule
        assert figures["bitrate_mbps"] > 0, rule
        assert 0 < figures["startup_p50_ms"] <= figures["startup_p95_ms"], rule
        assert 0 <= figures["stall_ratio"] < 1, rule


def test_the_offline_tuner_plays_the_web_rule_over_traces_and_prints_its_contract(
    tmp_path: Path,
) -> None:
    """``bench/abr_tune.py`` bundles the web player's rule and simulator and tunes on traces."""
    if not (e2e.REPO / "web/node_modules/.bin/esbuild").exists():
        unavailable("run `make web`: the tuner bundles the rule with the web app's esbuild")
    for name, lines in TRACES.items():
        (tmp_path / name).write_text(lines)
    options = ["--traces", str(tmp_path), "--evaluation", str(tmp_path), "--seconds", "24"]
    done = subprocess.run(
        [sys.executable, str(e2e.REPO / "bench/abr_tune.py"), *options, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    answer = json.loads(done.stdout)
    assert answer["traces"] == {"tuning": 2, "evaluation": 2}
    assert answer["tried"] > 100
    shipped, throughput_only, tuned = answer["rows"]
    assert (shipped["name"], throughput_only["name"]) == ("shipped", "throughput rule only")
    assert tuned["tuning"]["qoeLin"] >= shipped["tuning"]["qoeLin"]
    for row in answer["rows"]:
        assert row["evaluation"]["meanMbps"] > 0
