"""Database failover: a PostgreSQL primary and a streaming replica, made by this test with
PostgreSQL's own tools (``initdb``, ``pg_basebackup -R``, ``pg_ctl``) on spare ports; an API
node connects with a multi-host URL asking for a read-write server
(``?host=A:5432&host=B:5432&target_session_attrs=read-write``) and bounding how long a silent
server is waited for (``connect_timeout``, ``tcp_user_timeout``). The primary is SIGKILLed on
this machine's loopback (the kernel refuses its connections at once), or runs on a host of its
own (a network namespace) that drops off the network (nothing answers: the pooled connections
to it would hang for TCP's 15 minutes of retransmissions without ``tcp_user_timeout``); the
replica is promoted and the node reconnects by itself. The window in which requests failed is
measured, asserted and printed (docs/operations.md quotes it)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from marquee import migrate
from tests.cluster.failover import MAX_UNAVAILABLE_S, Host, fail_over
from tests.cluster.topology import FAST, MARQUEE, Node, free_port, need_tool, poll

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's binaries (Debian's /usr/lib/postgresql/N/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    initdb = need_tool("initdb", *(str(p) for p in reversed(found)))
    return Path(initdb).parent


@dataclass
class Server:
    """One PostgreSQL server: its data directory and port."""

    bin: Path
    data: Path
    port: int
    user: str | None
    host: Host | None = None
    node: Node | None = field(default=None)

    @property
    def address(self) -> str:
        return "127.0.0.1" if self.host is None else self.host.address

    def run(self, tool: str, *args: str) -> None:
        done = subprocess.run([str(self.bin / tool), *args], capture_output=True, text=True,
                              user=self.user, check=False, timeout=120)  # fmt: skip
        assert done.returncode == 0, f"{tool}: {done.stdout}{done.stderr}"

    def start(self) -> None:
        args = [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
                "-c", f"listen_addresses={self.address}",
                "-c", f"unix_socket_directories={self.data}",
                "-c", "fsync=off", "-c", "shared_buffers=16MB",
                # in the data directory: a SIGKILLed server leaves no segment in /dev/shm
                "-c", "dynamic_shared_memory_type=mmap"]  # fmt: skip
        log = self.data.parent / f"postgres-{self.port}.log"
        if self.host is None:
            self.node = Node(f"postgres:{self.port}", args, log, user=self.user)
        else:  # ip netns exec needs root: become the server's user inside
            as_user = ["runuser", "-u", self.user or "postgres", "--"]
            self.node = Node(f"postgres:{self.port}", self.host.run(*as_user, *args), log)
        self.node.start()
        poll(f"{self.node.name} accepting connections", self._accepting, 60, every_s=0.1)

    def _accepting(self) -> bool:
        """pg_isready: the port answers before recovery ends ("the database system is starting
        up")."""
        assert self.node is not None
        if not self.node.alive():
            raise RuntimeError(f"{self.node.name} exited:\n{self.node.tail()}")
        probe = [str(self.bin / "pg_isready"), "-q", "-h", self.address, "-p", str(self.port)]
        return subprocess.run(probe, check=False, timeout=10).returncode == 0

    def kill(self) -> None:
        assert self.node is not None
        self.node.kill(signal.SIGKILL)


@dataclass
class Site:
    """A primary, its streaming replica and an API node on the multi-host URL of both."""

    primary: Server
    replica: Server
    api: Node

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api.port}"


@pytest.fixture(scope="module", params=["loopback", "own host"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The primary on this machine's loopback (a crash: the kernel refuses its connections at
    once), or on a host of its own (a network namespace) that is lost: nothing answers."""
    bin_dir = postgres_bin()
    user = "postgres" if os.geteuid() == 0 else None
    host = None
    if request.param == "own host":
        unavailable = Host.available()
        if unavailable is not None:
            pytest.skip(unavailable)
        host = Host()
    # Not under pytest's temporary folders: those are private to root, and PostgreSQL refuses
    # to run as root.
    try:
        with tempfile.TemporaryDirectory(prefix="marquee-failover-") as name:
            root = Path(name)
            if user is not None:
                shutil.chown(root, user)
            api_dir = tmp_path_factory.mktemp("failover-api")
            yield from _site(bin_dir, root, user, host, api_dir)
    finally:
        if host is not None:
            host.close()


def _site(
    bin_dir: Path, root: Path, user: str | None, host: Host | None, api_dir: Path
) -> Iterator[Site]:
    """The primary first; the API node boots while the replica is copied from it."""
    primary = Server(bin_dir, root / "primary", free_port(), user, host)
    replica = Server(bin_dir, root / "replica", free_port(), user)
    hosts = f"host={primary.address}:{primary.port}&host=127.0.0.1:{replica.port}"
    # A lost host answers nothing: without these, connecting waits for TCP's SYN retries
    # (2 minutes) and a query on an open connection for its retransmissions (15 minutes).
    timeouts = "connect_timeout=2&tcp_user_timeout=3000"
    url = (
        f"postgresql+psycopg://postgres@/marquee?{hosts}&target_session_attrs=read-write&{timeouts}"
    )
    port = free_port()
    env = {**FAST, "MARQUEE_ENV": "test", "MARQUEE_DATABASE_URL": url,
           "MARQUEE_DATA_DIR": str(api_dir / "var"),
           "MARQUEE_PUBLIC_URL": f"http://127.0.0.1:{port}"}  # fmt: skip
    api = Node("api", [MARQUEE, "serve", "--role", "api", "--host", "127.0.0.1", "--port",
                       str(port), "--no-migrate"], api_dir / "api.log", env, port)  # fmt: skip
    primary.run("initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust",
                "--no-sync", "-E", "UTF8")  # fmt: skip
    if host is not None:  # trust this machine, as initdb trusts loopback
        with (primary.data / "pg_hba.conf").open("a") as hba:
            for database in ("all", "replication"):
                hba.write(f"host {database} all {host.gateway}/32 trust\n")
    try:
        primary.start()
        primary.run("createdb", "-h", primary.address, "-p", str(primary.port), "-U",
                    "postgres", "marquee")  # fmt: skip
        migrate.upgrade(url)
        api.start()
        primary.run("pg_basebackup", "-h", primary.address, "-p", str(primary.port), "-U",
                    "postgres", "-D", str(replica.data), "-R", "-X", "stream",
                    "--checkpoint=fast", "--no-sync")  # fmt: skip
        replica.start()
        api.wait_port(90)
        ready = f"http://127.0.0.1:{port}/readyz"
        poll("the API node ready", lambda: httpx.get(ready).status_code == 200, 60)
        yield Site(primary, replica, api)
    finally:
        api.stop()
        for server in (primary, replica):
            if server.node is not None:
                server.node.stop()


def test_the_api_node_reconnects_to_the_promoted_replica(site: Site) -> None:
    primary = site.primary

    def lose_primary() -> None:
        if primary.host is not None:
            primary.host.lose()  # first, so that not even the kill's resets get out
        primary.kill()

    promote = ["pg_ctl", "promote", "-D", str(site.replica.data), "-w"]
    outage = fail_over(site.url, lose_primary, lambda: site.replica.run(*promote))
    lost = "primary SIGKILLed" if primary.host is None else "the primary's host lost"
    print(f"\ndatabase failover: {lost}, replica {outage}")
    assert outage.failed_s < MAX_UNAVAILABLE_S
