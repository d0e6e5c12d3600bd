"""bench/ladder.py --smoke runs end to end on a tiny clip and prints its figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "ladder.py"

pytestmark = pytest.mark.slow


def test_the_bench_prints_bd_rates_and_cpu_ratios() -> None:
    ran = subprocess.run(
        [sys.executable, str(BENCH), "--smoke", "--hull-bound"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    for ladder in ("per-title h264", "per-title av1", "h264 hull bound"):
        line = next(line for line in ran.stdout.splitlines() if line.strip().startswith(ladder))
        assert re.search(r"\(\d+\.\d\dx\)  BD-rate [+-]\d+\.\d%", line), line


def test_a_clip_that_is_not_there_is_named_before_anything_runs(tmp_path: Path) -> None:
    missing = tmp_path / "gone.mp4"
    ran = subprocess.run(
        [sys.executable, str(BENCH), "--clip", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 2
    assert f"no such clip: {missing}" in ran.stderr
