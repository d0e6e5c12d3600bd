"""``marquee doctor``: is everything Marquee needs here and reachable? Says how to fix it."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass

import typer
from rich.table import Table

from marquee.cli.common import console, settings_or_exit
from marquee.kit.cache import open_cache
from marquee.kit.db import Database
from marquee.kit.events import open_transport
from marquee.kit.queue import JobQueue
from marquee.kit.storage import open_object_store
from marquee.settings import Settings

REQUIRED_ENCODERS = ("libx264", "aac")
REQUIRED_FILTERS = ("libvmaf", "ebur128", "blackdetect", "silencedetect")


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], str]
    fix: str


def check_ffmpeg() -> str:
    import imageio_ffmpeg

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    encoders = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True, text=True)
    filters = subprocess.run([exe, "-hide_banner", "-filters"], capture_output=True, text=True)
    missing = [e for e in REQUIRED_ENCODERS if f" {e} " not in encoders.stdout]
    missing += [f for f in REQUIRED_FILTERS if f" {f} " not in filters.stdout]
    if missing:
        raise RuntimeError(f"{exe} lacks {', '.join(missing)}")
    return str(exe)


def _checks(settings: Settings) -> list[Check]:
    def database() -> str:
        Database(settings.resolved_database_url).ping()
        return settings.resolved_database_url.split("@")[-1]

    def storage() -> str:
        open_object_store(settings.resolved_storage_url).ping()
        return settings.resolved_storage_url

    def cache() -> str:
        open_cache(settings.cache_url).ping()
        return settings.cache_url

    def queue() -> str:
        JobQueue(settings.resolved_queue_url, Database(settings.resolved_database_url)).ping()
        return settings.resolved_queue_url.split("@")[-1]

    def events() -> str:
        transport = open_transport(settings.events_url)
        if transport is None:
            return "in-process (MARQUEE_EVENTS_URL is empty)"
        try:
            transport.ping()
        finally:
            transport.stop()
        return settings.events_url.split("@")[-1]

    return [
        Check("ffmpeg", check_ffmpeg, "pip install --force-reinstall imageio-ffmpeg"),
        Check("database", database, "start the server or fix MARQUEE_DATABASE_URL"),
        Check("storage", storage, "create the bucket/directory or fix MARQUEE_STORAGE_URL"),
        Check("cache", cache, "start Redis or set MARQUEE_CACHE_URL=memory://"),
        Check("queue", queue, "start the broker or unset MARQUEE_QUEUE_URL (embedded queue)"),
        Check("events", events, "start Redis or NATS, or unset MARQUEE_EVENTS_URL (in-process)"),
    ]


def doctor() -> None:
    """Check ffmpeg, database, storage, cache, queue and events; say what is missing and how
    to fix it."""
    settings = settings_or_exit()
    table = Table("check", "status", "detail")
    failed = 0
    for check in _checks(settings):
        try:
            detail = check.run()
            table.add_row(check.name, "[green]ok[/green]", detail)
        except Exception as exc:
            failed += 1
            table.add_row(check.name, "[red]missing[/red]", f"{exc}\nfix: {check.fix}")
    console.print(table)
    if failed:
        raise typer.Exit(1)
