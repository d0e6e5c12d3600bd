"""A seeded platform served by ``marquee serve``, and headless Chromium to drive it.

Shared by the browser tests (``tests/e2e/conftest.py`` makes fixtures of it) and by
``bench/startup.py``; nothing here depends on pytest.

The platform runs on the embedded defaults (SQLite, local storage, embedded queue, the worker
and edge roles in the one process) in a data dir of its own, seeded with the demo catalog
(:func:`marquee.demo.seed`) on short, small clips. Seeding runs in a child process with the same
environment as the server, so no ``MARQUEE_*`` variable of the caller's shell leaks into it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

import marquee
from marquee import migrate
from marquee.demo import seed as demo_seed
from marquee.runtime import build_platform
from marquee.settings import load_settings

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
WEB_APP = Path(marquee.__file__).parent / "web" / "index.html"
#: axe-core as npm installs it for the web app (a dev dependency): injected, never fetched.
AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
#: The impacts an accessibility audit fails on.
BLOCKING_IMPACTS = ("serious", "critical")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
#: Cheap password hashing and no sign-up/sign-in rate limits: tests make many accounts.
FAST_ACCOUNTS = {
    "MARQUEE_ARGON2_TIME_COST": "1",
    "MARQUEE_ARGON2_MEMORY_COST_KIB": "8",
    "MARQUEE_ARGON2_PARALLELISM": "1",
    "MARQUEE_SIGNUP_IP_LIMIT": "100000",
    "MARQUEE_LOGIN_IP_LIMIT": "100000",
}
#: Long enough to leave a title part-way (past 6 s) before it counts as watched (90 %).
CLIP_SECONDS = 10.0
CLIP_HEIGHT = 240
PASSWORD = "correct horse battery staple"
#: Until ``marquee serve`` answers /healthz. Generous: on a slow, loaded CI machine (a CLI start
#: importing for 9 s, its worker processes as long each) the players' platform took over 60 s.
START_TIMEOUT_S = 240.0
SEED_TIMEOUT_S = 900.0
CLI_TIMEOUT_S = 300.0
SEED_CACHE = "E2E_SEED_CACHE"
CSRF_COOKIE = "marquee_csrf"
ALL_ROLES = "api,worker,edge"


class PlatformError(Exception):
    """The platform could not be seeded or started (the message holds the process output)."""


def missing_requirement() -> str | None:
    """Why browser tests cannot run here (no Chromium, web app not built), or None."""
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM}"
    if not WEB_APP.exists():
        return f"the web app is not built ({WEB_APP} is missing: run `make web`)"
    if not AXE.exists():
        return f"axe-core is not installed ({AXE} is missing: run `make web`)"
    return None


# --- the platform ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


@dataclass(frozen=True)
class Catalog:
    """What the demo seeded: title ids by slug and the demo accounts."""

    titles: dict[str, str]
    viewer: Credentials
    admin: Credentials


@dataclass(frozen=True)
class Served:
    """A running platform: the API/web app at ``base``, its data dir and seeded catalog."""

    base: str
    data_dir: Path
    catalog: Catalog
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(data_dir: Path) -> dict[str, str]:
    """The caller's environment without its ``MARQUEE_*`` settings, on ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARQUEE_")}
    env.update(FAST_ACCOUNTS)
    env.update({"MARQUEE_DATA_DIR": str(data_dir), "MARQUEE_LOG_JSON": "false"})
    env["MARQUEE_MEDIA_LADDER"] = "fixed"  # per-title probes would slow every seeded clip
    env["MARQUEE_MEDIA_AV1"] = "false"  # so would AV1 renditions (tests/e2e/players has them)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def seed(data_dir: Path) -> Catalog:
    """Seed the demo into ``data_dir`` (a child process running this module's ``seed``)."""
    log = data_dir.parent / f"{data_dir.name}-seed.log"
    with log.open("w") as out:
        done = subprocess.run(
            [sys.executable, "-m", "tests.e2e.browser", "seed", str(data_dir)],
            env=environment(data_dir),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=out,
            text=True,
            timeout=SEED_TIMEOUT_S,
            check=False,
        )
    if done.returncode != 0:
        raise PlatformError(f"seeding failed ({done.returncode}):\n{log.read_text()[-4000:]}")
    return _catalog(done.stdout.strip().splitlines()[-1])


def _catalog(answer: str) -> Catalog:
    read = json.loads(answer)
    return Catalog(
        titles=read["titles"],
        viewer=Credentials(**read["viewer"]),
        admin=Credentials(**read["admin"]),
    )


def seed_or_copy(data_dir: Path) -> Catalog:
    """Seed ``data_dir``; or, with ``E2E_SEED_CACHE=DIR`` (for quick reruns while writing
    tests), copy a data dir seeded once into ``DIR`` (delete ``DIR`` after changing the demo)."""
    cache = os.environ.get(SEED_CACHE)
    if not cache:
        return seed(data_dir)
    seeded, answer = Path(cache) / "var", Path(cache) / "catalog.json"
    if not answer.exists():
        shutil.rmtree(seeded, ignore_errors=True)
        seeded.parent.mkdir(parents=True, exist_ok=True)
        answer.write_text(json.dumps(asdict(seed(seeded))))
    shutil.copytree(seeded, data_dir)
    return _catalog(answer.read_text())


def run_marquee(env: Mapping[str, str], *args: str, timeout: float = CLI_TIMEOUT_S) -> str:
    """``marquee ARGS`` with ``env`` (see :func:`environment`); its standard output, or
    :class:`PlatformError` with the end of its error output when it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "marquee.cli", *args],
        env=dict(env),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise PlatformError(f"marquee {' '.join(args)} → {done.returncode}\n{done.stderr[-4000:]}")
    return done.stdout


@contextmanager
def serving(
    data_dir: Path,
    catalog: Catalog,
    roles: str = ALL_ROLES,
    settings: Mapping[str, str] | None = None,
) -> Iterator[Served]:
    """``marquee serve`` (by default every role: api, worker, edge) on free loopback ports;
    ``settings``: more ``MARQUEE_*`` variables for the server."""
    log = data_dir.parent / f"{data_dir.name}-serve.log"
    env = {**environment(data_dir), **(settings or {})}
    with marquee_serve(env, log, "--role", roles) as base:
        yield Served(base=base, data_dir=data_dir, catalog=catalog, log=log)


@contextmanager
def marquee_serve(
    env: Mapping[str, str], log: Path, *options: str, edge_port: int | None = None
) -> Iterator[str]:
    """``marquee serve [options]`` on free loopback ports, its output in ``log``, until the
    block ends (SIGTERM, then kill after 20 s); yields its base URL once /healthz answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    ports = ["--port", str(port), "--edge-port", str(edge_port or free_port())]
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "marquee.cli", "serve", *ports, *options],
            env={**env, "MARQUEE_PUBLIC_URL": base},
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(base, process, log)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PlatformError(
                f"marquee serve exited with {process.returncode}:\n{log.read_text()}"
            )
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise PlatformError(f"marquee serve did not answer /healthz within {START_TIMEOUT_S:g} s")


@contextmanager
def seeded_platform(work: Path, roles: str = ALL_ROLES) -> Iterator[Served]:
    """A fresh data dir under ``work``, seeded, then served until the block ends."""
    data_dir = work / "var"
    catalog = seed_or_copy(data_dir)
    with serving(data_dir, catalog, roles) as served:
        yield served


# --- accounts and playback through the API ---------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """An account made through the API: its credentials and first (adult) profile."""

    email: str
    password: str
    account_id: str
    profile_id: str
    profile_name: str


def _problem(answer: httpx.Response) -> str:
    return f"{answer.request.method} {answer.request.url.path} → {answer.status_code} {answer.text}"


def _check(answer: httpx.Response) -> httpx.Response:
    if answer.is_error:
        raise PlatformError(_problem(answer))
    return answer


def log_in(base: str, email: str, password: str) -> dict[str, str]:
    """Bearer headers of a new sign-in (each sign-in is a device of its own)."""
    body = {"email": email, "password": password}
    answer = _check(httpx.post(f"{base}/api/v1/auth/login", json=body, timeout=30))
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def new_viewer(base: str, plan: str = "standard", email: str | None = None) -> Viewer:
    """A new account subscribed to ``plan``; its first (adult) profile is made by sign-up."""
    email = email or f"viewer-{uuid.uuid4().hex[:10]}@example.com"
    with httpx.Client(base_url=base, timeout=30) as client:
        signed_up = _check(
            client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD})
        ).json()
        headers = {"Authorization": f"Bearer {signed_up['access_token']}"}
        _check(client.put("/api/v1/account/subscription", json={"plan_id": plan}, headers=headers))
        profile = _check(client.get("/api/v1/profiles", headers=headers)).json()[0]
    return Viewer(email, PASSWORD, signed_up["account_id"], profile["id"], profile["name"])


def add_profile(base: str, viewer: Viewer, name: str, maturity: str) -> str:
    """A new profile of ``viewer``'s account; its id."""
    headers = log_in(base, viewer.email, viewer.password)
    body = {"name": name, "maturity": maturity}
    answer = httpx.post(f"{base}/api/v1/profiles", json=body, headers=headers, timeout=30)
    return str(_check(answer).json()["id"])


def start_stream(base: str, viewer: Viewer, title_id: str) -> dict[str, object]:
    """Start a playback session from a new device of ``viewer``'s (its own sign-in)."""
    headers = log_in(base, viewer.email, viewer.password)
    body = {"title_id": title_id, "profile_id": viewer.profile_id}
    answer = httpx.post(f"{base}/api/v1/playback/sessions", json=body, headers=headers, timeout=30)
    session: dict[str, object] = _check(answer).json()
    return session


def search_ids(base: str, viewer: Viewer, profile_id: str, text: str) -> list[str]:
    """Ids of the titles the search API finds for one of ``viewer``'s profiles."""
    headers = log_in(base, viewer.email, viewer.password)
    params = {"q": text, "profile_id": profile_id}
    answer = httpx.get(f"{base}/api/v1/search", params=params, headers=headers, timeout=30)
    return [str(item["id"]) for item in _check(answer).json()["items"]]


# --- the browser -----------------------------------------------------------------------------


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, through Playwright (no browser is downloaded)."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


def sign_in(context: BrowserContext, base: str, email: str, password: str) -> None:
    """Sign ``context`` in through the API (the session cookies land in the context)."""
    answer = context.request.post(
        f"{base}/api/v1/auth/login", data={"email": email, "password": password}
    )
    if not answer.ok:
        raise PlatformError(f"sign-in of {email} → {answer.status} {answer.text()}")


def select_profile(context: BrowserContext, base: str, profile_id: str) -> None:
    """Choose ``profile_id`` as who is watching on this signed-in context."""
    csrf = next(c["value"] for c in context.cookies(base) if c.get("name") == CSRF_COOKIE)
    answer = context.request.post(
        f"{base}/api/v1/profiles/{profile_id}/select",
        data={"pin": None},
        headers={"X-CSRF-Token": csrf},
    )
    if not answer.ok:
        raise PlatformError(f"selecting profile {profile_id} → {answer.status} {answer.text()}")


def accessibility_violations(page: Page) -> list[str]:
    """The serious and critical violations axe-core finds on the page as it stands, one line
    each (rule, impact, what it says, where). axe is evaluated in the page from
    ``node_modules``: a DevTools evaluation, which the app's Content-Security-Policy allows."""
    if not page.evaluate("() => 'axe' in window"):
        page.evaluate(AXE.read_text())
    found: list[dict[str, object]] = page.evaluate(
        """async (impacts) => {
            const results = await window.axe.run(document, { resultTypes: ['violations'] });
            return results.violations
                .filter((v) => impacts.includes(v.impact))
                .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                               targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
        }""",
        list(BLOCKING_IMPACTS),
    )
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['targets']}" for v in found]


# --- the seeding child process ---------------------------------------------------------------


def _seed_here(data_dir: Path) -> None:
    """Migrate and seed ``data_dir`` with this process's workers; print what was seeded."""
    settings = load_settings()
    migrate.upgrade(settings.resolved_database_url)
    platform = build_platform(settings)
    platform.start(worker=True)
    try:
        seeded = demo_seed(platform, clip_seconds=CLIP_SECONDS, height=CLIP_HEIGHT)
    finally:
        platform.stop()
    answer = {
        "titles": seeded.titles,
        "viewer": {"email": seeded.viewer.email, "password": seeded.viewer.password},
        "admin": {"email": seeded.admin.email, "password": seeded.admin.password},
    }
    print(json.dumps(answer))


if __name__ == "__main__":
    if sys.argv[1:2] != ["seed"] or len(sys.argv) != 3:
        sys.exit("usage: python -m tests.e2e.browser seed DATA_DIR")
    _seed_here(Path(sys.argv[2]))
