"""What the database failover tests share: the primary killed under requests every 20 ms, the
replica promoted, and how long requests failed (docs/operations.md quotes it)."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from tests.cluster.topology import in_parallel, poll

#: Requests may fail for at most this long around a failover (measured: docs/operations.md).
MAX_UNAVAILABLE_S = 15.0


@dataclass
class Probe:
    """Requests every 20 ms, each given 5 s: when each failed and when each succeeded."""

    url: str
    failures: list[float] = field(default_factory=list)
    successes: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(timeout=5) as client:
            while not self.stop.is_set():
                at = time.monotonic()
                try:
                    ok = client.get(self.url).status_code == 200
                except httpx.TransportError:
                    ok = False
                (self.successes if ok else self.failures).append(at)
                time.sleep(0.02)


@dataclass
class Outage:
    """What a failover cost, in seconds from the kill."""

    promoted_s: float
    failed_s: float
    failed: int
    back_s: float

    def __str__(self) -> str:
        return (
            f"promoted {self.promoted_s:.2f} s after the kill; requests failed for "
            f"{self.failed_s:.2f} s ({self.failed} failed, first success {self.back_s:.2f} s "
            f"after the kill); a sign-up (a write) succeeded after it"
        )


def fail_over(base_url: str, kill: Callable[[], None], promote: Callable[[], None]) -> Outage:
    """Kill the primary while requests that read the database run (the node's pool holding
    several connections), as soon as they fail ``promote`` the replica, wait for requests to
    succeed again, then write (a sign-up)."""
    probe = Probe(f"{base_url}/api/v1/plans")  # reads the database
    _fill_pool(probe.url)
    thread = threading.Thread(target=probe.run)
    thread.start()
    try:
        poll("requests answered", lambda: len(probe.successes) > 10, 30)
        killed = time.monotonic()
        kill()
        poll("requests failing", lambda: bool(probe.failures), 10, every_s=0.01)
        promote()
        promoted = time.monotonic() - killed
        poll("requests answered again", lambda: probe.successes[-1] > probe.failures[-1], 60)
    finally:
        probe.stop.set()
        thread.join()
    back = next(at for at in probe.successes if at > probe.failures[0])
    signup = {"email": "after-failover@example.com", "password": "correct horse battery"}
    written = httpx.post(f"{base_url}/api/v1/auth/signup", json=signup, timeout=30)
    assert written.status_code == 201, written.text
    return Outage(promoted, back - probe.failures[0], len(probe.failures), back - killed)


def _fill_pool(url: str, connections: int = 8) -> None:
    """Requests at once, so that the node holds several pooled connections, as under load: the
    idle ones are what a lost database host leaves hanging."""
    barrier = threading.Barrier(connections)

    def request() -> None:
        barrier.wait(10)
        httpx.get(url, timeout=10)

    in_parallel(request, connections)


class Host:
    """A network namespace standing for another machine, joined to this one by a veth pair
    (``ip netns``, root only): a process run in it is reached at :attr:`address`, and
    :meth:`lose` drops the host off the network, silently, as a machine that loses power or
    its link does (nothing answers, not even a reset)."""

    def __init__(self) -> None:
        self.name = f"marquee-{os.getpid()}-{random.randrange(10**6)}"
        subnet = f"10.{random.randrange(200, 250)}.{random.randrange(256)}"
        self.address, self.gateway = f"{subnet}.2", f"{subnet}.1"
        self.outer, self.inner = f"mq{random.randrange(10**8)}o", f"mq{random.randrange(10**8)}i"
        _ip("netns", "add", self.name)
        _ip("link", "add", self.outer, "type", "veth", "peer", "name", self.inner)
        _ip("link", "set", self.inner, "netns", self.name)
        _ip("addr", "add", f"{self.gateway}/30", "dev", self.outer)
        _ip("link", "set", self.outer, "up")
        self._inside("addr", "add", f"{self.address}/30", "dev", self.inner)
        self._inside("link", "set", self.inner, "up")
        self._inside("link", "set", "lo", "up")

    def run(self, *args: str) -> list[str]:
        """``args`` as a command run on this host."""
        return ["ip", "netns", "exec", self.name, *args]

    def lose(self) -> None:
        self._inside("link", "set", self.inner, "down")

    def _inside(self, *args: str) -> None:
        _ip("netns", "exec", self.name, "ip", *args)

    def close(self) -> None:
        subprocess.run(["ip", "link", "del", self.outer], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, check=False)

    @staticmethod
    def available() -> str | None:
        """Why hosts cannot be made here, or None when they can."""
        if os.geteuid() != 0 or shutil.which("ip") is None:
            return "network namespaces need root and iproute2's ip"
        probe = f"marquee-probe-{os.getpid()}"
        made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
        if made.returncode != 0:
            return f"ip netns add failed: {made.stderr.strip()}"
        subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
        return None


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"ip {' '.join(args)}: {done.stderr}"
