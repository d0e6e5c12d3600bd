"""What the database failover tests share: the primary killed under requests every 20 ms, the
replica promoted, and how long requests failed (docs/operations.md quotes it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from tests.cluster.topology import poll

#: Requests may fail for at most this long around a failover (measured: docs/operations.md).
MAX_UNAVAILABLE_S = 15.0


@dataclass
class Probe:
    """Requests every 20 ms: when each failed and when each succeeded."""

    url: str
    failures: list[float] = field(default_factory=list)
    successes: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(timeout=2) as client:
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
    """Kill the primary while requests that read the database run, as soon as they fail
    ``promote`` the replica, wait for requests to succeed again, then write (a sign-up)."""
    probe = Probe(f"{base_url}/api/v1/plans")  # reads the database
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
