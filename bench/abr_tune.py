"""Tunes the web player's ABR constants on throughput traces, offline, and scores them on others.

The rule and the simulator are the web player's own TypeScript (web/src/app/player/abr/rule.ts
and simulate.ts), bundled with esbuild (from `make web`'s packages) and run by Node.js: no copy
of the rule in Python. A grid of the rule's constants (throughput safety factor, the buffer from
which BOLA decides, the download reserve and look-ahead, the throughput windows) is played over
the tuning traces on two ladders (the fixed one and a per-title one); the best by mean QoE_lin
per segment is then played over the evaluation traces beside the shipped constants and the
throughput rule alone. The simulator is a model of the player; `bench/abr.py` measures in
Chromium, and its figures are the ones docs/playback.md quotes.

    .venv/bin/python bench/abr_tune.py [--traces DIR] [--evaluation DIR] [--max-traces 40]
        [--seconds 150] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TRACES = REPO.parent / "shared/data/abr_traces/pensieve_pr133"
ESBUILD = REPO / "web/node_modules/.bin/esbuild"
SEGMENT_S = 4.0
LATENCY_S = 0.04


def run(job: dict[str, object]) -> dict[str, Any]:
    """The tuner's answer for `job` (see bench/abr_tune.ts)."""
    node = shutil.which("node")
    if node is None or not ESBUILD.exists():
        sys.exit("Node.js and the web app's packages are needed: run `make web`")
    with tempfile.TemporaryDirectory(prefix="abr-tune-") as work:
        bundle = Path(work) / "abr_tune.mjs"
        options = ["--bundle", "--platform=node", "--format=esm", "--log-level=warning"]
        source = str(REPO / "bench/abr_tune.ts")
        subprocess.run([str(ESBUILD), source, *options, f"--outfile={bundle}"], check=True)
        done = subprocess.run(
            [node, str(bundle), json.dumps(job)], check=True, capture_output=True, text=True
        )
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def print_table(answer: dict[str, Any]) -> None:
    traces = answer["traces"]
    print(f"{answer['tried']} constant sets tried on {traces}")
    print(f"best on the tuning traces: {answer['best']}")
    header = f"{'':<22} {'set':<10} {'QoE_lin':>8} {'stall %':>8} {'Mbit/s':>7} {'startup s':>9}"
    print(header)
    for row in answer["rows"]:
        name = "tuned" if row["name"] == answer["best"] else row["name"]
        for split in ("tuning", "evaluation"):
            figures = row[split]
            print(
                f"{name:<22} {split:<10} {figures['qoeLin']:>8.3f} "
                f"{100 * figures['stallRatio']:>8.2f} {figures['meanMbps']:>7.2f} "
                f"{figures['startupS']:>9.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=Path, default=TRACES / "cooked_traces")
    parser.add_argument("--evaluation", type=Path, default=TRACES / "cooked_test_traces")
    parser.add_argument("--max-traces", type=int, default=40, help="per set, spread by name")
    parser.add_argument("--seconds", type=float, default=150.0, help="media played per trace")
    parser.add_argument("--json", action="store_true", help="one line of JSON")
    args = parser.parse_args()
    for folder in (args.traces, args.evaluation):
        if not folder.is_dir():
            sys.exit(f"{folder}: no such folder of traces")
    answer = run(
        {
            "tuning": str(args.traces),
            "evaluation": str(args.evaluation),
            "seconds": args.seconds,
            "segmentS": SEGMENT_S,
            "latencyS": LATENCY_S,
            "maxTraces": args.max_traces,
        }
    )
    if args.json:
        print(json.dumps(answer))
    else:
        print_table(answer)


if __name__ == "__main__":
    main()
