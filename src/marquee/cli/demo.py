"""``marquee demo``: serve at once with the demo's titles and accounts; make their media while
serving."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Group
from rich.live import Live
from rich.panel import Panel
from rich.progress import Progress, TaskID

from marquee import migrate
from marquee.cli.common import console, platform_or_exit, progress_bars, settings_or_exit, step_done
from marquee.cli.serving import serve_platform
from marquee.demo import ADMIN, VIEWER, DemoError, is_seeded, make_media, prepare, seed
from marquee.demo.api import router as demo_router
from marquee.kit.errors import Problem
from marquee.media.ffmpeg import MediaError
from marquee.media.schemas import AssetOut
from marquee.runtime import Platform
from marquee.settings import Settings

log = logging.getLogger(__name__)
LABEL_WIDTH = 34
#: How long stopping waits for the clip being generated (its pipeline jobs stay queued).
STOP_TIMEOUT_S = 30.0
SEED_ERRORS = (DemoError, MediaError, Problem)
#: The pipeline's INFO lines (a few per step of every clip) say what the bars show.
PIPELINE_LOGGER = "marquee.media"


def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    seed_only: Annotated[
        bool, typer.Option("--seed-only", help="Seed if needed, then exit instead of serving.")
    ] = False,
    clip_seconds: Annotated[
        float, typer.Option(min=1, max=600, help="Length of each generated clip.")
    ] = 30,
    height: Annotated[
        int, typer.Option(min=144, max=2160, help="Lines of the generated clips (16:9).")
    ] = 720,
) -> None:
    """Run the platform with a demo catalog, a viewer and an admin account.

    It serves at once: the titles and accounts are made first (seconds), then a clip per film
    and episode is generated with ffmpeg and ingested through the media pipeline while the
    platform serves, each title appearing when its media are ready (see docs/demo.md).
    """
    settings = _one_worker(settings_or_exit())
    migrate.upgrade(settings.resolved_database_url)
    panel = _panel(settings, host, port, seed_only)
    if seed_only:
        _seed_all(settings, clip_seconds, height)
        console.print(panel)
        return
    serve_platform(
        settings,
        host=host,
        port=port,
        routers=[demo_router],
        alongside=lambda platform: MediaInBackground(platform, panel, clip_seconds, height),
    )


def _seed_all(settings: Settings, clip_seconds: float, height: int) -> None:
    """Seed completely (titles, accounts, every clip through the pipeline), then return."""
    platform = platform_or_exit(settings)
    try:
        if is_seeded(platform):
            console.print(f"The demo is seeded in {settings.data_dir}: nothing to do.")
            return
        console.print("Seeding the demo: a clip per film and episode, through the pipeline.")
        platform.start(worker=True)
        with progress_bars(LABEL_WIDTH) as bars, _quiet_pipeline():
            seed(platform, clip_seconds=clip_seconds, height=height, progress=TitleBars(bars))
    except SEED_ERRORS as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        platform.stop()


class MediaInBackground:
    """Makes the titles and accounts on entry, then the media on a thread of its own while the
    platform serves, with a bar per film and episode above the panel of URL and accounts."""

    def __init__(self, platform: Platform, panel: Panel, clip_seconds: float, height: int) -> None:
        self.platform, self.panel = platform, panel
        self.clip_seconds, self.height = clip_seconds, height
        self.bars = progress_bars(LABEL_WIDTH)
        self.live = Live(Group(self.bars, panel), console=console, refresh_per_second=4)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._make_media, name="demo-media", daemon=True)
        self.titles: dict[str, str] = {}

    def __enter__(self) -> MediaInBackground:
        try:
            self.titles = prepare(self.platform)
            seeded = is_seeded(self.platform)
        except SEED_ERRORS as exc:
            console.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(1) from None
        if seeded:
            console.print(f"The demo is seeded in {self.platform.settings.data_dir}.")
            console.print(self.panel)
            return self
        console.print("Serving now; each title appears as its media are ready.")
        if console.is_terminal:
            self.live.start()
        else:
            console.print(self.panel)
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(STOP_TIMEOUT_S)
        self.live.stop()

    def _make_media(self) -> None:
        try:
            with _quiet_pipeline():
                make_media(
                    self.platform,
                    self.titles,
                    clip_seconds=self.clip_seconds,
                    height=self.height,
                    progress=TitleBars(self.bars),
                    stop=self.stop,
                )
        except SEED_ERRORS as exc:
            log.error("the demo's media stopped: %s", exc)
            return
        finally:
            self.live.stop()
        if not self.stop.is_set():
            console.print("Every demo title is ready to play.")


@contextmanager
def _quiet_pipeline() -> Iterator[None]:
    """In a terminal, the pipeline's warnings and errors only while the bars show its steps."""
    pipeline = logging.getLogger(PIPELINE_LOGGER)
    level = pipeline.level
    if console.is_terminal:
        pipeline.setLevel(max(logging.getLogger().getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        pipeline.setLevel(level)


def _one_worker(settings: Settings) -> Settings:
    """This process's one media worker encodes the demo: in ``ladder`` mode each clip is decoded
    once for all its renditions, about twice as fast (docs/media.md), unless
    ``MARQUEE_MEDIA_ENCODE_JOBS`` is set."""
    if "media_encode_jobs" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"media_encode_jobs": "ladder"})


class TitleBars:
    """One bar per film or episode: the share of its pipeline steps done, and the step now."""

    def __init__(self, bars: Progress) -> None:
        self.bars = bars
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, label: str, asset: AssetOut | None) -> None:
        if label not in self.tasks:
            self.tasks[label] = self.bars.add_task(label, total=1.0, status="generating")
        if asset is not None:
            done = sum(step_done(step) for step in asset.steps) / max(len(asset.steps), 1)
            running = [step.name for step in asset.steps if step.status == "running"]
            status = running[0] if running and asset.status == "processing" else asset.status
            self.bars.update(self.tasks[label], completed=done, status=status)


def _panel(settings: Settings, host: str, port: int, seed_only: bool) -> Panel:
    url = f"http://{host}:{port}"
    lines = [
        f"viewer   {VIEWER.email} / {VIEWER.password}",
        "         profiles Demo (adult) and Kids",
        f"admin    {ADMIN.email} / {ADMIN.password}",
        f"data     {settings.data_dir.resolve()}",
        f"serve    `marquee demo` serves it at {url}" if seed_only else f"open     {url}",
    ]
    return Panel("\n".join(lines), title="Marquee demo", expand=False)
