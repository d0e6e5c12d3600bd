"""A whole Marquee topology on this machine, each node its own process on loopback ports:
Redis, RabbitMQ, NATS JetStream and an S3 server (moto's) of its own (the faults restart and
flush them, so never the shared ones), a fresh database on the local PostgreSQL, two API nodes
behind nginx, two workers and two edges in each of two regions.

Nodes start in parallel and every wait is a poll. ``bench/cluster.py`` runs the same topology
with longer loads and prints the sizing figures of docs/operations.md.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx

from marquee.media.ffmpeg import run_ffmpeg
from tests import services
from tests.integration.media.test_pipeline import LADDER

MARQUEE = str(Path(sys.executable).with_name("marquee"))
MOTO = str(Path(sys.executable).with_name("moto_server"))
PASSWORD = "correct horse battery staple"
#: The media ladder, QC and hashing of the media tests: tiny, fast renditions.
FAST = {
    "MARQUEE_ARGON2_TIME_COST": "1",
    "MARQUEE_ARGON2_MEMORY_COST_KIB": "8",
    "MARQUEE_ARGON2_PARALLELISM": "1",
    "MARQUEE_LOG_JSON": "false",
    "MARQUEE_LOG_LEVEL": "WARNING",
    "MARQUEE_MEDIA_PRESET": "ultrafast",
    "MARQUEE_MEDIA_AV1": "false",
    "MARQUEE_MEDIA_VMAF_SUBSAMPLE": "5",
    "MARQUEE_MEDIA_TRICKPLAY_INTERVAL_S": "1",
    "MARQUEE_MEDIA_SD_MAX_HEIGHT": "144",
    "MARQUEE_MEDIA_THREADS": "1",
    # Rate limits far above what the load bursts send from one address.
    "MARQUEE_LOGIN_IP_LIMIT": "100000",
    "MARQUEE_SIGNUP_IP_LIMIT": "100000",
    # Edges: checked often, so that a dead one leaves the steering within a second or two.
    "MARQUEE_DELIVERY_HEALTH_INTERVAL_S": "0.5",
    "MARQUEE_DELIVERY_REVOCATION_POLL_S": "1",
}
TUS = {"Tus-Resumable": "1.0.0"}
REGIONS = {"eu": ("eu-1", "eu-2"), "us": ("us-1", "us-2")}
#: The servers Marquee's nodes share, each of its own (the faults restart and flush them).
SERVERS = ("redis", "nats", "s3", "rabbitmq")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def poll(what: str, check: Callable[[], bool], timeout_s: float, every_s: float = 0.05) -> float:
    """Call ``check`` until it is true; the seconds that took (fails the test past timeout)."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > timeout_s:
            raise TimeoutError(f"{what}: not within {timeout_s} s")
        time.sleep(every_s)
    return time.monotonic() - began


def in_parallel(work: Callable[[], None], threads: int) -> float:
    """Run ``work`` on ``threads`` threads at once: the seconds until the last one is done."""
    began = time.monotonic()
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.monotonic() - began


@dataclass
class Load:
    sent: int = 0
    failed: int = 0
    seconds: float = 0.0


def drive(base_url: str, caller: Caller, seconds: float, threads: int) -> Load:
    """GETs that read the database (the account, the plans) at ``base_url`` for ``seconds``;
    a refused connection counts as a failed GET."""
    load, lock = Load(), threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        sent = failed = 0
        with httpx.Client(base_url=base_url, headers=caller.headers, timeout=15) as client:
            while time.monotonic() < deadline:
                path = "/api/v1/account" if sent % 2 else "/api/v1/plans"
                try:
                    status = client.get(path).status_code
                except httpx.TransportError:
                    status = 0
                failed += status != 200
                sent += 1
        with lock:
            load.sent, load.failed = load.sent + sent, load.failed + failed

    load.seconds = in_parallel(worker, threads)
    return load


def need_tool(name: str, *places: str) -> str:
    """The tool's path (see tests.services.need_tool)."""
    install = "the cluster suite starts its own; .ci/run installs it"
    return services.need_tool(name, *places, install=install)


@dataclass
class Node:
    """One process of the topology, in its own process group (a kill reaches its children)."""

    name: str
    args: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    user: str | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Node:
        env = {**os.environ, **self.env}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.args,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                user=self.user,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the node's whole process group and, for SIGKILL, reap it."""
        if not self.alive():
            return
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            return
        if sig == signal.SIGKILL:
            assert self.process is not None
            self.process.wait(10)

    def stop(self, timeout_s: float = 10) -> None:
        if not self.alive():
            return
        self.kill(signal.SIGTERM)
        assert self.process is not None
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def wait_port(self, timeout_s: float = 60) -> float:
        def up() -> bool:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
            return listening(self.port)

        return poll(f"{self.name} on port {self.port}", up, timeout_s)

    def rss_mib(self) -> float:
        """Resident memory of the node's main process (MiB)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


@dataclass
class Cluster:
    root: Path
    env: dict[str, str]
    database_url: str
    nodes: dict[str, Node] = field(default_factory=dict)
    lb_port: int = 0
    redis_port: int = 0
    #: An admin account (``marquee user create --role admin``, made while the nodes boot).
    admin: str = field(default_factory=lambda: f"admin-{uuid.uuid4().hex[:8]}@example.com")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.lb_port}"

    def of(self, kind: str) -> list[Node]:
        return [node for name, node in self.nodes.items() if name.startswith(kind)]

    def node_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.nodes[name].port}"

    def ready(self, name: str) -> bool:
        try:
            return httpx.get(f"{self.node_url(name)}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def wait_ready(self, name: str, timeout_s: float = 120) -> float:
        node = self.nodes[name]

        def up() -> bool:
            if not node.alive():
                raise RuntimeError(f"{name} exited:\n{node.tail()}")
            return self.ready(name)

        return poll(f"{name} /readyz", up, timeout_s, every_s=0.1)

    def wait_balanced(self, timeout_s: float = 90) -> float:
        """Until the load balancer sends requests to both API nodes again: after a node
        comes back, nginx keeps it out for ``fail_timeout`` (its passive health check)."""
        wanted = {f"127.0.0.1:{node.port}" for node in self.of("api")}
        seen: list[str] = []

        def both() -> bool:
            seen.append(httpx.get(f"{self.url}/healthz", timeout=5).headers.get("x-upstream", ""))
            return wanted <= set(seen[-4:])

        return poll("the balancer using both API nodes", both, timeout_s, every_s=0.1)

    def describe(self, lines: int = 15) -> str:
        """The load balancer's error log, then each node of Marquee: running or not, and the
        end of its log."""
        errors = self.root / "nginx-error.log"
        parts = ["nginx-error.log:\n" + (errors.read_text()[-4000:] if errors.exists() else "")]
        for name, node in self.nodes.items():
            if name not in SERVERS:
                state = (
                    "running" if node.alive() else f"exited {node.process and node.process.poll()}"
                )
                parts.append(f"{name} ({state}):\n{node.tail(lines)}")
        return "\n\n".join(parts)

    def s3(self) -> Any:
        """A client of the topology's S3 server (the nodes' credentials)."""
        return boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.nodes['s3'].port}",
            region_name="us-east-1",
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
        )

    def sql(self, statement: str, **params: Any) -> list[Any]:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.database_url)
        try:
            with engine.begin() as connection:
                result = connection.execute(text(statement), params)
                return list(result) if result.returns_rows else []
        finally:
            engine.dispose()

    def marquee(self, *args: str) -> str:
        """``marquee ARGS`` as an operator on one of the nodes runs it."""
        done = subprocess.run(
            [MARQUEE, *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


def nginx_conf(root: Path, port: int, upstreams: list[int]) -> Path:
    """The load balancer of docs/operations.md ("An nginx load balancer") on loopback."""
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=2 fail_timeout=5s;" for p in upstreams
    )
    conf = root / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/nginx-body;
    proxy_temp_path {root}/nginx-proxy;
    fastcgi_temp_path {root}/nginx-fastcgi;
    uwsgi_temp_path {root}/nginx-uwsgi;
    scgi_temp_path {root}/nginx-scgi;
    upstream marquee_api {{
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 65m;
        location / {{
            # Which node answered: the tests wait until the balancer uses both again.
            add_header X-Upstream $upstream_addr always;
            proxy_pass http://marquee_api;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
            proxy_next_upstream_timeout 10s;
            proxy_request_buffering off;
            proxy_read_timeout 120s;
        }}
    }}
}}
""")
    return conf


def rabbitmq_node(root: Path) -> Node:
    """A RabbitMQ of its own (no plugins), its data in ``root`` so that a restart keeps it."""
    home = root / "rabbitmq"
    home.mkdir()
    (home / "plugins").write_text("[].")
    port = free_port()
    env = {
        "HOME": str(home),
        "RABBITMQ_NODENAME": f"marquee-cluster-{port}@localhost",
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(free_port()),
        "RABBITMQ_MNESIA_BASE": str(home / "mnesia"),
        "RABBITMQ_LOG_BASE": str(home / "log"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(home / "plugins"),
        "RABBITMQ_CONFIG_FILE": str(home / "none"),
    }
    # The server itself: Debian's wrapper on PATH would run it as the rabbitmq user.
    server = need_tool("rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server")
    return Node("rabbitmq", [server], root / "rabbitmq.log", env, port)


def build(root: Path, database_url: str) -> Cluster:
    """The nodes of the topology, not started; every port picked now."""
    nginx = need_tool("nginx", "/usr/sbin/nginx")
    redis = need_tool("redis-server")
    nats = need_tool("nats-server")
    need_tool("moto_server", MOTO)
    cluster = Cluster(root, {}, database_url, lb_port=free_port(), redis_port=free_port())
    add = cluster.nodes.__setitem__
    add(
        "redis",
        Node(
            "redis",
            [
                redis,
                "--port",
                str(cluster.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--bind",
                "127.0.0.1",
            ],
            root / "redis.log",
            port=cluster.redis_port,
        ),
    )
    nats_port = free_port()
    add(
        "nats",
        Node(
            "nats",
            [nats, "-a", "127.0.0.1", "-p", str(nats_port), "-js", "-sd", str(root / "nats")],
            root / "nats.log",
            port=nats_port,
        ),
    )
    moto_port = free_port()
    add(
        "s3",
        Node(
            "s3", [MOTO, "-H", "127.0.0.1", "-p", str(moto_port)], root / "s3.log", port=moto_port
        ),
    )
    rabbit = rabbitmq_node(root)
    add("rabbitmq", rabbit)

    edges = []
    for region, names in REGIONS.items():
        for name in names:
            port = free_port()
            edges.append({"name": name, "url": f"http://127.0.0.1:{port}", "region": region})
            add(
                f"edge-{name}",
                Node(
                    f"edge-{name}",
                    [
                        MARQUEE,
                        "edge",
                        "--origin",
                        f"{cluster.url}/api/v1/delivery",
                        "--region",
                        region,
                        "--cache-dir",
                        str(root / f"edge-{name}"),
                        "--cache-size",
                        "200M",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                    ],
                    root / f"edge-{name}.log",
                    port=port,
                ),
            )
    cluster.env = {
        **FAST,
        "MARQUEE_ENV": "production",
        "MARQUEE_SECRET_KEY": secrets.token_urlsafe(48),
        "MARQUEE_DATABASE_URL": database_url,
        "MARQUEE_CACHE_URL": f"redis://127.0.0.1:{cluster.redis_port}/0",
        "MARQUEE_QUEUE_URL": f"amqp://guest:guest@127.0.0.1:{rabbit.port}/",
        "MARQUEE_EVENTS_URL": f"nats://127.0.0.1:{nats_port}",
        "MARQUEE_STORAGE_URL": f"s3://marquee?endpoint_url=http://127.0.0.1:{moto_port}"
        "&region=us-east-1",
        "AWS_ACCESS_KEY_ID": "cluster",
        "AWS_SECRET_ACCESS_KEY": "cluster-secret",
        "MARQUEE_PUBLIC_URL": cluster.url,
        "MARQUEE_TRUSTED_PROXIES": "127.0.0.1/32",
        "MARQUEE_DELIVERY_EDGES": json.dumps(edges),
        "MARQUEE_DELIVERY_COUNTRY_REGIONS": json.dumps({"*": ["eu", "us"]}),
        "MARQUEE_MEDIA_LADDER": json.dumps(LADDER),
    }
    apis = []
    for index in (1, 2):
        port = free_port()
        apis.append(port)
        add(
            f"api-{index}",
            Node(
                f"api-{index}",
                [
                    MARQUEE,
                    "serve",
                    "--role",
                    "api",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-migrate",
                ],
                root / f"api-{index}.log",
                port=port,
            ),
        )
        add(
            f"worker-{index}",
            Node(
                f"worker-{index}",
                [MARQUEE, "worker", "--short-threads", "2", "--long-threads", "1"],
                root / f"worker-{index}.log",
            ),
        )
    for name, node in cluster.nodes.items():
        if name.startswith(("api", "worker", "edge")):
            data = root / name
            node.env = {
                **cluster.env,
                "MARQUEE_DATA_DIR": str(data),
                "MARQUEE_MEDIA_TEMP_DIR": str(data / "tmp"),
                "MARQUEE_DISCOVERY_NODE": name,
            }
    add(
        "lb",
        Node(
            "lb",
            [
                nginx,
                "-c",
                str(nginx_conf(root, cluster.lb_port, apis)),
                "-e",
                str(root / "nginx-error.log"),
            ],
            root / "lb.log",
            port=cluster.lb_port,
        ),
    )
    return cluster


def make_admin(cluster: Cluster) -> None:
    """``marquee user create --role admin``: it writes to the database only (a running node's
    relay hands its outbox row on), so it needs no broker."""
    create = ("user", "create", "--email", cluster.admin, "--password", PASSWORD)
    cluster.marquee(*create, "--role", "admin")


def stop_all(cluster: Cluster) -> None:
    """Stop every node at once: the load balancer and Marquee's nodes, then the servers."""
    for names in ([n for n in cluster.nodes if n not in SERVERS], SERVERS):
        with ThreadPoolExecutor(len(names)) as pool:
            list(pool.map(lambda name: cluster.nodes[name].stop(5), names))


@contextmanager
def running(root: Path, database_url: str, prepare: Callable[[], None]) -> Iterator[Cluster]:
    """Start the topology, every node at once: the servers, then (while they boot, and
    ``prepare`` migrates the database) Marquee's nodes, which wait for them, and make the admin
    account meanwhile; stop every node at the end."""
    cluster = build(root, database_url)
    began = time.monotonic()
    with ExitStack() as stack:
        stack.callback(stop_all, cluster)
        for name in SERVERS:
            cluster.nodes[name].start()
        prepare()
        cluster.nodes["s3"].wait_port(30)
        cluster.s3().create_bucket(Bucket="marquee")
        for name, node in cluster.nodes.items():
            if name not in SERVERS:
                node.start()
        with ThreadPoolExecutor(4) as pool:
            waits = [pool.submit(make_admin, cluster)]
            waits += [pool.submit(cluster.wait_ready, name) for name in ("api-1", "api-2")]
            waits += [pool.submit(node.wait_port, 120) for node in cluster.of("edge")]
            waits.append(pool.submit(cluster.nodes["lb"].wait_port, 30))
            for wait in waits:
                wait.result()
        # The edges poll the origin through the balancer from their start, so while the API
        # nodes boot nginx marks both failed and answers 502 for fail_timeout after they are up.
        cluster.wait_balanced()
        print(f"\ncluster: {len(cluster.nodes)} processes up in {time.monotonic() - began:.1f} s")
        yield cluster


# --- what the suite and bench/cluster.py do on it --------------------------------------------


@dataclass
class Caller:
    """A signed-in account calling through the load balancer."""

    cluster: Cluster
    email: str
    tokens: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return httpx.request(method, self.cluster.url + path, headers=headers, timeout=30, **kwargs)


def account(cluster: Cluster, *options: str) -> Caller:
    """An account signed in through the balancer: signed up there, or made with ``marquee user
    create OPTIONS`` on a node (a role or a plan)."""
    email = f"cluster-{uuid.uuid4().hex[:10]}@example.com"
    if options:
        cluster.marquee("user", "create", "--email", email, "--password", PASSWORD, *options)
    else:
        form = {"email": email, "password": PASSWORD}
        response = httpx.post(f"{cluster.url}/api/v1/auth/signup", json=form, timeout=30)
        assert response.status_code == 201, response.text
    return Caller(cluster, email, sign_in(cluster, email))


def sign_in(cluster: Cluster, email: str, password: str = PASSWORD) -> dict[str, Any]:
    form = {"email": email, "password": password}
    response = httpx.post(f"{cluster.url}/api/v1/auth/login", json=form, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def make_clip(out: Path) -> Path:
    """Six seconds of 240p H.264 and AAC: long enough that an encode can be caught running."""
    run_ffmpeg(
        ["-f", "lavfi", "-i", "testsrc2=s=426x240:r=25:d=6", "-f", "lavfi", "-i",
         "sine=f=440:d=6", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
         "-threads", "2", str(out)],
        step="fixture",
    )  # fmt: skip
    return out


def publish(editor: Caller, title_id: str) -> None:
    """Once the catalog has attached its media: licensed everywhere, published."""

    def attached() -> bool:
        return bool(editor.call("GET", f"/api/v1/studio/titles/{title_id}").json()["asset_id"])

    poll("the catalog attached the asset", attached, 30, every_s=0.1)
    window = {"territories": ["WORLD"], "starts_at": "2020-01-01T00:00:00Z"}
    path = f"/api/v1/studio/titles/{title_id}"
    assert editor.call("POST", f"{path}/windows", json=window).status_code == 201
    assert editor.call("POST", f"{path}/publish").status_code == 200
