"""bench/analytics.py runs end to end on a small N and prints its figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "analytics.py"


def test_the_bench_prints_ingest_size_and_report_times() -> None:
    ran = subprocess.run(
        [sys.executable, str(BENCH), "--events", "3000", "--runs", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert "rows/s" in ran.stdout
    assert "bytes/row" in ran.stdout
    for report in ("viewing", "retention", "quality", "content"):
        assert f"  {report} by" in ran.stdout
