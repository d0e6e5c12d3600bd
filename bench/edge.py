"""Edge throughput: bare nginx vs the Python edge vs the generated nginx edge (warm caches).

1 MB segments, 32 concurrent connections, wrk for ``DURATION_S`` seconds per case, traffic to
127.0.0.1 only. Bare nginx serves the files and is also the edges' origin; it has the nginx
edge's tuning (``nginx.MAIN_TUNING``, ``HTTP_TUNING``, ``LISTEN_OPTIONS``), so the two differ by
the edge's own work only. The cases take turns, ``ROUNDS`` times, and each ratio to bare nginx
is taken within a round: on a shared machine the load moves between rounds more than between
the cases of one. Needs ``nginx`` and ``wrk`` (Debian packages). Prints the median req/s, MB/s,
ratio to bare nginx (and its range), p99 latency and server CPU time per request of the rounds
(Linux ``/proc``; the server's process and its children, nginx's workers). CPU per request moves
far less with the machine's load than req/s: it shows the edge's own work. wrk's CPU time per
request is printed too: the client shares the two cores, so what receiving a response costs it
counts in the req/s (docs/delivery.md, Benchmark).
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import httpx

from marquee.delivery import nginx as nginx_edge
from marquee.delivery.tokens import KeyRing, sign

SEGMENTS = 32
SEGMENT_BYTES = 1024 * 1024
CONNECTIONS = 32
DURATION_S = int(os.environ.get("BENCH_DURATION_S", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECRET = "b" * 40
KEYS = KeyRing({"k1": SECRET}, current="k1")
BARE_CONF = """worker_processes auto;
{main_tuning}
pid {run}/bare.pid;
error_log {run}/bare-error.log warn;
events {{ worker_connections 4096; }}
http {{
{http_tuning}
    access_log off;
    client_body_temp_path {run}/cb; proxy_temp_path {run}/px; fastcgi_temp_path {run}/fc;
    uwsgi_temp_path {run}/uw; scgi_temp_path {run}/sc;
    server {{
        listen {port} {listen};
        root {root};
        location /assets/ {{ }}
        location /t/ {{ rewrite "^/t/[^/]+/[^/]+/[^/]+/[^/]+(/assets/.*)$" $1 break; }}
    }}
}}
"""
WRK_SCRIPT = """
local paths = {{ {paths} }}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


class Figures(NamedTuple):
    rps: float
    mbps: float
    p99_ms: float
    cpu_us: float = 0.0
    client_cpu_us: float = 0.0


class Summary(NamedTuple):
    """Medians over the rounds; the ratio's range too."""

    rps: float
    mbps: float
    ratio: float
    ratio_low: float
    ratio_high: float
    p99_ms: float
    idle_p99_ms: float
    cpu_us: float
    client_cpu_us: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str) -> None:
    for _ in range(200):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} does not answer")


def nginx(conf: Path, run: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["nginx", "-p", str(run), "-c", str(conf), "-g", "daemon off;"])


def wrk(base: str, paths: list[str], work: Path, connections: int, seconds: int) -> Figures:
    """Requests/s, MB/s and p99 latency (ms) of a wrk run over the paths, round robin."""
    script = work / "paths.lua"
    script.write_text(WRK_SCRIPT.format(paths=", ".join(f'"{p}"' for p in paths)))
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s"]
    out = subprocess.run([*command, str(script), base], capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"warning: {errors[1]} failed responses from {base}", file=sys.stderr)
    rps = float(_find(r"Requests/sec:\s+([\d.]+)", out)[0])
    value, unit = _find(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return Figures(rps, rps * SEGMENT_BYTES / 1e6, p99_ms)


def _find(pattern: str, text: str) -> tuple[str, ...]:
    found = re.search(pattern, text)
    if found is None:
        raise RuntimeError(f"wrk printed no {pattern!r}:\n{text}")
    return found.groups()


def warm(base: str, paths: list[str]) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code, response.text[:200])


def main() -> None:
    if not (shutil.which("nginx") and shutil.which("wrk")):
        sys.exit("bench/edge.py needs nginx and wrk: apt-get install nginx wrk")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        work.chmod(0o755)  # nginx workers (nobody) read the files
        run(work)


def run(work: Path) -> None:
    root, run_dir = work / "objects", work / "run"
    for sub in ("cb", "px", "fc", "uw", "sc", "edge"):
        (run_dir / sub).mkdir(parents=True)
    (root / "assets/bench").mkdir(parents=True)
    for i in range(SEGMENTS):
        (root / f"assets/bench/seg-{i}.m4s").write_bytes(os.urandom(SEGMENT_BYTES))
    token = sign(KEYS, "/assets/bench/", "bench", int(time.time()) + 3600)
    paths = [f"{token}seg-{i}.m4s" for i in range(SEGMENTS)]
    bare_port, py_port, ngx_port = free_port(), free_port(), free_port()
    conf = work / "bare.conf"
    conf.write_text(
        BARE_CONF.format(
            run=run_dir,
            port=bare_port,
            root=root,
            main_tuning=nginx_edge.tuning(nginx_edge.MAIN_TUNING, 0),
            http_tuning=nginx_edge.tuning(nginx_edge.HTTP_TUNING, 4),
            listen=nginx_edge.LISTEN_OPTIONS,
        )
    )
    origin = f"http://127.0.0.1:{bare_port}"
    env = {**os.environ, "MARQUEE_DELIVERY_KEYS": f"k1={SECRET}", "MARQUEE_DATA_DIR": str(work)}
    marquee = [sys.executable, "-m", "marquee.cli"]
    edge_args = ["--origin", origin, "--cache-size", "1G"]
    subprocess.run(
        [
            *marquee,
            "edge",
            "nginx-config",
            *edge_args,
            "--cache-dir",
            str(work / "ngx-cache"),
            "--port",
            str(ngx_port),
            "--run-dir",
            str(run_dir / "edge"),
            "-o",
            str(work / "edge.conf"),
            *(["--user", "root"] if os.geteuid() == 0 else []),
        ],
        env=env,
        check=True,
    )
    processes = [
        nginx(conf, run_dir),
        nginx(work / "edge.conf", run_dir),
        subprocess.Popen(
            [
                *marquee,
                "edge",
                *edge_args,
                "--region",
                "bench",
                "--cache-dir",
                str(work / "py-cache"),
                "--host",
                "127.0.0.1",
                "--port",
                str(py_port),
            ],
            env=env,
        ),
    ]
    try:
        ports = {"bare nginx": bare_port, "Python edge": py_port, "nginx edge": ngx_port}
        bare, nginx_edge_process, python_edge = (process.pid for process in processes)
        pids = {"bare nginx": bare, "Python edge": python_edge, "nginx edge": nginx_edge_process}
        results = measure(paths, work, ports, pids)
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
    report(results)


def measure(
    paths: list[str], work: Path, ports: dict[str, int], pids: dict[str, int]
) -> dict[str, Summary]:
    """Loaded figures of each case, round after round; the hit-path p99 of one connection."""
    bases = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    for base in bases.values():
        wait_for(f"{base}/healthz")
        warm(base, paths)
    rounds = [
        {name: loaded(base, paths, work, pids[name]) for name, base in bases.items()}
        for _ in range(ROUNDS)
    ]
    idle = {name: wrk(base, paths, work, 1, DURATION_S) for name, base in bases.items()}
    return {name: summary(name, rounds, idle[name]) for name in bases}


def loaded(base: str, paths: list[str], work: Path, pid: int) -> Figures:
    """A wrk run with ``CONNECTIONS``, and the server's and wrk's CPU time per request."""
    before, client_before = cpu_seconds(pid), finished_children_cpu_seconds()
    figures = wrk(base, paths, work, CONNECTIONS, DURATION_S)
    used_s = cpu_seconds(pid) - before
    client_s = finished_children_cpu_seconds() - client_before
    requests = figures.rps * DURATION_S
    return figures._replace(cpu_us=used_s / requests * 1e6, client_cpu_us=client_s / requests * 1e6)


def finished_children_cpu_seconds() -> float:
    """CPU time of this process's finished children: the wrk runs (the servers still run)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its children (Linux ``/proc``)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if entry.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def summary(name: str, rounds: list[dict[str, Figures]], idle: Figures) -> Summary:
    ratios = [r[name].rps / r["bare nginx"].rps for r in rounds]
    return Summary(
        statistics.median(r[name].rps for r in rounds),
        statistics.median(r[name].mbps for r in rounds),
        statistics.median(ratios),
        min(ratios),
        max(ratios),
        statistics.median(r[name].p99_ms for r in rounds),
        idle.p99_ms,
        statistics.median(r[name].cpu_us for r in rounds),
        statistics.median(r[name].client_cpu_us for r in rounds),
    )


def report(results: dict[str, Summary]) -> None:
    print(
        f"{SEGMENTS} x 1 MB segments, {CONNECTIONS} connections, {ROUNDS} rounds of "
        f"{DURATION_S} s per case (wrk); medians of the rounds"
    )
    print(
        f"{'case':<12} {'req/s':>8} {'MB/s':>8} {'x bare':>7} {'(range)':>11} "
        f"{'p99 ms':>8} {'p99 1 conn':>11} {'CPU us/req':>11} {'wrk CPU us/req':>15}"
    )
    for name, f in results.items():
        ratios = f"{f.ratio_low:.2f}-{f.ratio_high:.2f}"
        print(
            f"{name:<12} {f.rps:>8.0f} {f.mbps:>8.0f} {f.ratio:>7.2f} {ratios:>11} "
            f"{f.p99_ms:>8.2f} {f.idle_p99_ms:>11.2f} {f.cpu_us:>11.0f} {f.client_cpu_us:>15.0f}"
        )


if __name__ == "__main__":
    main()
