"""Revoked sessions: delivery tokens end with their playback session, after a grace period.

A token is checked at the edges without the database, so on its own it works until it
expires (the session's lifetime, 6 h). The origin keeps a list of the sessions whose tokens
must no longer work: stopped (or replaced, or silent past the heartbeat timeout) more than
``MARQUEE_DELIVERY_REVOCATION_GRACE_S`` ago and not yet expired. Playback, a domain above
delivery, computes it; the platform hands it in as :class:`RevokedSessions`. Each edge polls
``GET {origin}/revoked`` every ``MARQUEE_DELIVERY_REVOCATION_POLL_S`` and refuses those
sessions' tokens: the Python edge from memory (:class:`Poller`), nginx through a ``map``
include file that ``marquee edge nginx-metrics --origin`` rewrites and reloads nginx for
(:class:`NginxMapWriter`). Why a list rather than short tokens renewed by heartbeats:
docs/delivery.md, *Revocation*.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import re
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol

import httpx
from sqlalchemy.orm import Session

from marquee.delivery.errors import SessionRevoked
from marquee.delivery.tokens import NAME, KeyRing
from marquee.kit.secret_text import same_secret
from marquee.settings import Settings

log = logging.getLogger(__name__)
#: The edges' path on the origin (``--origin {public_url}/api/v1/delivery``).
REVOKED_PATH = "/revoked"
MAP_FILE = "revoked.map"
_CREDENTIAL_INFO = b"marquee.delivery.revocations"
POLL_TIMEOUT_S = 5.0
_SESSION = re.compile(f"{NAME}{{1,64}}")


class RevokedSessions(Protocol):
    """Playback's: the ids of the sessions whose delivery tokens edges must refuse at ``now``."""

    def __call__(self, session: Session, *, settings: Settings, now: datetime) -> list[str]: ...


def edge_credential(keys: KeyRing) -> str:
    """What an edge sends for the list (``Authorization: Bearer …``): its signing key's id and
    an HMAC under it, so only holders of a delivery key read which sessions ended."""
    secret = keys.secrets[keys.current]
    mac = hmac.new(secret.encode(), _CREDENTIAL_INFO, hashlib.sha256).hexdigest()
    return f"{keys.current}.{mac}"


def is_edge_credential(keys: KeyRing, credential: str) -> bool:
    kid, _, _ = credential.partition(".")
    if kid not in keys.secrets:
        return False
    return same_secret(credential, edge_credential(KeyRing(keys.secrets, kid)))


def refuse_revoked(session_id: str, revoked: frozenset[str]) -> None:
    """Raise :class:`SessionRevoked` (403) for a token of a revoked session."""
    if session_id in revoked:
        raise SessionRevoked


class OriginList:
    """The origin's copy of the list (it checks tokens too, when no edge is in front), read
    from the database at most once per ``max_age_s``."""

    def __init__(self, read: Callable[[], list[str]], max_age_s: float) -> None:
        self._read = read
        self._max_age_s = max_age_s
        self._sessions: frozenset[str] = frozenset()
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def sessions(self) -> frozenset[str]:
        with self._lock:
            if time.monotonic() - self._read_at >= self._max_age_s:
                self._sessions = frozenset(self._read())
                self._read_at = time.monotonic()
            return self._sessions


class ListSource:
    """The list on an edge's origin; None (logged) while it cannot be read, in which case an
    edge keeps its last list (tokens still expire on their own). Until a first read succeeds
    failures are logged at DEBUG only: ``marquee serve`` starts its edge before its API."""

    def __init__(self, origin: str, keys: KeyRing) -> None:
        self.url = f"{origin.rstrip('/')}{REVOKED_PATH}"
        self.headers = {"Authorization": f"Bearer {edge_credential(keys)}"}
        self._read_once = False

    def sessions(self, answer: httpx.Response | Exception) -> frozenset[str] | None:
        """The sessions of the origin's answer (or of the error asking it raised)."""
        try:
            if isinstance(answer, Exception):
                raise answer
            answer.raise_for_status()
            listed = answer.json()["sessions"]
            if not isinstance(listed, list):
                raise TypeError("sessions is not a list")
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            level = logging.WARNING if self._read_once else logging.DEBUG
            log.log(level, "revoked sessions not read from %s: %s", self.url, exc)
            return None
        self._read_once = True
        # Only ids a delivery token can carry: nothing else reaches nginx's configuration.
        return frozenset(s for s in listed if isinstance(s, str) and _SESSION.fullmatch(s))


class Poller:
    """The Python edge's copy of the list, refreshed every ``interval_s``."""

    def __init__(self, origin: str, keys: KeyRing, interval_s: float) -> None:
        self.sessions: frozenset[str] = frozenset()
        self._source = ListSource(origin, keys)
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Read the list once (a restarted edge refuses at once), then keep reading it."""
        async with httpx.AsyncClient(timeout=POLL_TIMEOUT_S) as client:
            await self._refresh(client)
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=POLL_TIMEOUT_S) as client:
            while True:
                await asyncio.sleep(self._interval_s)
                await self._refresh(client)

    async def _refresh(self, client: httpx.AsyncClient) -> None:
        try:
            answer: httpx.Response | Exception = await client.get(
                self._source.url, headers=self._source.headers
            )
        except httpx.HTTPError as exc:
            answer = exc
        self.sessions = self._source.sessions(answer) or self.sessions


class NginxMapWriter:
    """For an nginx edge: polls the list into ``{run_dir}/revoked.map`` (``"<session>" 1;``
    lines, which the generated config includes in a ``map``) and reloads nginx (``SIGHUP`` to
    ``{run_dir}/nginx.pid``) when it changed."""

    def __init__(self, origin: str, keys: KeyRing, run_dir: Path, interval_s: float) -> None:
        self.path = run_dir / MAP_FILE
        self._pid_file = run_dir / "nginx.pid"
        self._source = ListSource(origin, keys)
        self._interval_s = interval_s
        self._stopped = threading.Event()
        self._written = read_map(self.path)  # what nginx has loaded: no reload for the same

    def start(self) -> None:
        threading.Thread(target=self._run, name="revoked-map", daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        with httpx.Client(timeout=POLL_TIMEOUT_S) as client:
            while not self._stopped.is_set():
                self.refresh(client)
                self._stopped.wait(self._interval_s)

    def refresh(self, client: httpx.Client) -> None:
        try:
            answer: httpx.Response | Exception = client.get(
                self._source.url, headers=self._source.headers
            )
        except httpx.HTTPError as exc:
            answer = exc
        sessions = self._source.sessions(answer)
        if sessions is not None and sessions != self._written:
            write_map(self.path, sessions)
            self._written = sessions
            self._reload()

    def _reload(self) -> None:
        try:
            os.kill(int(self._pid_file.read_text().strip()), signal.SIGHUP)
        except (OSError, ValueError) as exc:
            log.warning("nginx not reloaded for the revoked sessions: %s", exc)


def read_map(path: Path) -> frozenset[str]:
    """The sessions of a map file :func:`write_map` wrote (none when there is none)."""
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return frozenset()
    return frozenset(line.split('"')[1] for line in lines if line.count('"') == 2)


def write_map(path: Path, sessions: frozenset[str]) -> None:
    """The ``map`` include file, replaced at once (a reload never reads half of it); the ids
    are :class:`ListSource`'s, ``[A-Za-z0-9_-]`` only."""
    temp = path.with_suffix(".tmp")
    temp.write_text("".join(f'"{session}" 1;\n' for session in sorted(sessions)))
    temp.replace(path)
