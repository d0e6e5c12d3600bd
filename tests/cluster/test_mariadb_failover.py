"""Database failover on MariaDB: a primary and a GTID replica, made by this test with MariaDB's
own tools (``mariadb-install-db``, ``mariadbd``) on spare ports, and an API node connected
through a route that a failover moves, since PyMySQL has no multi-host URL. In production that
route is MariaDB MaxScale (``mariadbmon`` with ``auto_failover``, a ``readconnroute`` to the
primary), a virtual IP or a DNS name; here it is a TCP forwarder (:class:`Route`), and the test
does the monitor's work: the primary is SIGKILLed, the replica promoted (``STOP SLAVE; RESET
SLAVE ALL; SET GLOBAL read_only=OFF``), the route moved to it and its open connections cut, as
MaxScale does. The node reconnects by itself (pooled connections are pinged before use); the
window in which requests failed is measured, asserted and printed (docs/operations.md)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pymysql
import pytest

from marquee import migrate
from tests.cluster.failover import MAX_UNAVAILABLE_S, fail_over
from tests.cluster.topology import FAST, MARQUEE, Node, free_port, need_tool, poll

pytestmark = [pytest.mark.integration, pytest.mark.slow]
#: Server options for a small, fast throwaway server: nothing synced to disk.
FAST_SERVER = (
    "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=4M", "--innodb-doublewrite=0",
    "--innodb-flush-log-at-trx-commit=0", "--innodb-flush-method=nosync",
)  # fmt: skip
#: tmpfs when it has room: on a busy disk mariadb-install-db alone takes 8 s instead of 1.
SHM = Path("/dev/shm")


def as_root() -> list[str]:
    """What mariadbd needs to run as root (a container's CI); nothing otherwise."""
    return ["--user=root"] if os.geteuid() == 0 else []


@dataclass
class Server:
    """One mariadbd: its data directory, port and server id (replication tells them apart)."""

    binary: str
    data: Path
    port: int
    server_id: int
    node: Node | None = field(default=None)

    def start(self, *options: str) -> None:
        self.node = Node(f"mariadb:{self.port}", [
            self.binary, "--no-defaults", f"--datadir={self.data}", f"--port={self.port}",
            "--bind-address=127.0.0.1", f"--socket={self.socket}",
            f"--pid-file={self.data}/mariadbd.pid", f"--server-id={self.server_id}",
            "--log-bin=mariadb-bin", "--binlog-format=ROW", "--skip-name-resolve",
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
            *FAST_SERVER, *as_root(), *options],
            self.data.parent / f"mariadb-{self.port}.log", port=self.port).start()  # fmt: skip
        self.node.wait_port(60)
        # root over TCP (mariadb-install-db may have made it), kept out of the binary log so
        # that the replica never replays it
        self.sql("SET sql_log_bin=0", "CREATE USER IF NOT EXISTS root@'127.0.0.1'",
                 "GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION")  # fmt: skip

    @property
    def socket(self) -> Path:
        return self.data / "mariadbd.sock"

    def sql(self, *statements: str) -> list[Any]:
        """Run ``statements`` as root over the server's socket; the last one's rows."""
        connection = pymysql.connect(unix_socket=str(self.socket), user="root", autocommit=True)
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
                return list(cursor.fetchall())
        finally:
            connection.close()

    def kill(self) -> None:
        assert self.node is not None
        self.node.kill()


class Route:
    """A TCP forwarder from its own port to a server's, standing for MaxScale's listener or a
    virtual IP: :meth:`move` points it at another server and cuts the connections it carries."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def move(self, target: int) -> None:
        with self.lock:
            self.target, cut, self.open = target, self.open, []
        for end in cut:
            _close(end)

    def close(self) -> None:
        self.listener.close()
        self.move(self.target)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target), timeout=2)
            except OSError:
                _close(client)  # the server is down: the client sees the connection refused
                continue
            with self.lock:
                self.open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    _close(source)
    _close(sink)


def _close(end: socket.socket) -> None:
    with contextlib.suppress(OSError):
        end.shutdown(socket.SHUT_RDWR)
    end.close()


@dataclass
class Site:
    """A primary, its replica, the route and an API node connected through the route."""

    primary: Server
    replica: Server
    route: Route
    api: Node

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api.port}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    binary = need_tool("mariadbd", "/usr/sbin/mariadbd")
    install = need_tool("mariadb-install-db", "/usr/bin/mariadb-install-db")
    roomy = SHM.is_dir() and shutil.disk_usage(SHM).free > 512 * 2**20
    with tempfile.TemporaryDirectory(prefix="marquee-mariadb-", dir=SHM if roomy else None) as name:
        root = Path(name)
        yield from _site(binary, install, root, tmp_path_factory.mktemp("mariadb-failover-api"))


def _site(binary: str, install: str, root: Path, api_dir: Path) -> Iterator[Site]:
    """One data directory made, copied for the replica before either starts; the replica
    replays the primary's binary log from its start (the database, the migrations)."""
    primary = Server(binary, root / "primary", free_port(), 1)
    replica = Server(binary, root / "replica", free_port(), 2)
    made = subprocess.run(
        [install, "--no-defaults", f"--datadir={primary.data}", "--skip-test-db",
         "--auth-root-authentication-method=normal", *FAST_SERVER, *as_root()],
        capture_output=True, text=True, check=False, timeout=120)  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    shutil.copytree(primary.data, replica.data, symlinks=True)
    route = Route(primary.port)
    port = free_port()
    env = {**FAST, "MARQUEE_ENV": "test", "MARQUEE_DATA_DIR": str(api_dir / "var"),
           "MARQUEE_DATABASE_URL": f"mysql+pymysql://root@127.0.0.1:{route.port}/marquee",
           "MARQUEE_PUBLIC_URL": f"http://127.0.0.1:{port}"}  # fmt: skip
    api = Node("api", [MARQUEE, "serve", "--role", "api", "--host", "127.0.0.1", "--port",
                       str(port), "--no-migrate"], api_dir / "api.log", env, port)  # fmt: skip
    try:
        primary.start()
        replica.start("--read-only")
        replica.sql(
            f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={primary.port}, "
            "MASTER_USER='root', MASTER_USE_GTID=slave_pos",
            "START SLAVE",
        )
        primary.sql("CREATE DATABASE marquee")
        migrate.upgrade(f"mysql+pymysql://root@127.0.0.1:{primary.port}/marquee")
        api.start()
        api.wait_port(90)
        ready = f"http://127.0.0.1:{port}/readyz"
        poll("the API node ready", lambda: httpx.get(ready).status_code == 200, 60)
        poll("the replica caught up", lambda: _caught_up(primary, replica), 60)
        yield Site(primary, replica, route, api)
    finally:
        api.stop()
        route.close()
        for server in (primary, replica):
            if server.node is not None:
                server.node.stop()


def _caught_up(primary: Server, replica: Server) -> bool:
    (written,) = primary.sql("SELECT @@gtid_binlog_pos")[0]
    (applied,) = replica.sql("SELECT @@gtid_slave_pos")[0]
    return bool(written) and written == applied


def test_the_api_node_reconnects_through_the_moved_route(site: Site) -> None:
    def promote() -> None:
        site.replica.sql("STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only=OFF")
        site.route.move(site.replica.port)

    outage = fail_over(site.url, site.primary.kill, promote)
    print(f"\nMariaDB failover: primary SIGKILLed, replica (and the route to it) {outage}")
    assert outage.failed_s < MAX_UNAVAILABLE_S
