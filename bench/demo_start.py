"""``marquee demo`` on an empty data dir: seconds to the first answer, to every title ready, and
to the first answer of a second start on the seeded data dir. Target: first answer < 60 s.

    .venv/bin/python bench/demo_start.py [--clip-seconds 30] [--height 720]

Without options it runs the default command (what ``make demo`` runs), which takes minutes to
make every clip; the figures print as they come.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

MARQUEE = str(Path(sys.executable).parent / "marquee")
PORT = 8790
BASE = f"http://127.0.0.1:{PORT}"


def start(data_dir: Path, options: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARQUEE_")}
    env["MARQUEE_DATA_DIR"] = str(data_dir)
    with log.open("w") as out:
        return subprocess.Popen(
            [MARQUEE, "demo", "--port", str(PORT), *options],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def seconds_until(condition: object, started: float, timeout_s: float) -> float:
    while time.monotonic() - started < timeout_s:
        try:
            if condition():  # type: ignore[operator]
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"not reached within {timeout_s:g} s")


def home_answers() -> bool:
    return httpx.get(f"{BASE}/", timeout=5).status_code == 200


def catalog_ready() -> bool:
    status = httpx.get(f"{BASE}/api/v1/demo/status", timeout=30).json()
    return bool(status["titles_preparing"] == 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clip-seconds", type=float)
    parser.add_argument("--height", type=int)
    args = parser.parse_args()
    options = [f"--{name.replace('_', '-')}={value}" for name, value in vars(args).items() if value]
    with tempfile.TemporaryDirectory(prefix="marquee-demo-bench-") as work:
        data_dir, log = Path(work) / "var", Path(work) / "demo.log"
        started = time.monotonic()
        process = start(data_dir, options, log)
        try:
            print(f"first answer (200 from /): {seconds_until(home_answers, started, 120):.1f} s")
            ready = seconds_until(catalog_ready, started, 3600)
            print(f"every title ready:         {ready:.1f} s", flush=True)
        finally:
            stop(process)
        started = time.monotonic()
        process = start(data_dir, options, log)
        try:
            again = seconds_until(home_answers, started, 120)
            print(f"second start, first answer: {again:.1f} s")
        finally:
            stop(process)


if __name__ == "__main__":
    main()
