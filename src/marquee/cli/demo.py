"""``marquee demo``: on the first run, seed a demo catalog and accounts; then serve."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.panel import Panel
from rich.progress import Progress, TaskID

from marquee import migrate
from marquee.cli.common import console, platform_or_exit, progress_bars, settings_or_exit, step_done
from marquee.cli.serving import serve_platform
from marquee.demo import ADMIN, VIEWER, DemoError, is_seeded, seed
from marquee.kit.errors import Problem
from marquee.media.ffmpeg import MediaError
from marquee.media.schemas import AssetOut
from marquee.settings import Settings

LABEL_WIDTH = 34


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

    The first run on an empty data dir generates a clip per film and episode with ffmpeg and
    ingests them through the media pipeline (see docs/demo.md); later runs start at once.
    """
    settings = settings_or_exit()
    migrate.upgrade(settings.resolved_database_url)
    _seed_once(settings, clip_seconds, height)
    console.print(_panel(settings, host, port, seed_only))
    if not seed_only:
        serve_platform(settings, host=host, port=port)


def _seed_once(settings: Settings, clip_seconds: float, height: int) -> None:
    platform = platform_or_exit(_one_worker(settings))
    with _quiet_logs():
        try:
            if is_seeded(platform):
                console.print(f"The demo is seeded in {settings.data_dir}: starting at once.")
                return
            console.print("Seeding the demo: a clip per film and episode, through the pipeline.")
            platform.start(worker=True)
            with progress_bars(LABEL_WIDTH) as bars:
                seed(platform, clip_seconds=clip_seconds, height=height, progress=TitleBars(bars))
        except (DemoError, MediaError, Problem) as exc:
            console.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(1) from None
        finally:
            platform.stop()


def _one_worker(settings: Settings) -> Settings:
    """This process's one media worker encodes the demo: in ``ladder`` mode each clip is decoded
    once for all its renditions, about twice as fast (docs/media.md), unless
    ``MARQUEE_MEDIA_ENCODE_JOBS`` is set."""
    if "media_encode_jobs" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"media_encode_jobs": "ladder"})


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """Warnings and errors only while seeding (the pipeline's INFO lines would scroll the bars
    away)."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        root.setLevel(level)


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
