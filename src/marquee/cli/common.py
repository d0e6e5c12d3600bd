"""Helpers shared by the CLI commands."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from marquee import migrate
from marquee.kit.telemetry import configure_logging, json_lines_wanted
from marquee.media.schemas import StepOut
from marquee.migrate import SchemaNotCurrent
from marquee.runtime import Platform, build_platform
from marquee.settings import Settings, SettingsError, load_settings

console = Console(stderr=True, soft_wrap=True)


def settings_or_exit() -> Settings:
    """Settings from the environment, or one line naming the bad setting and exit status 2."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    forced = settings.log_json if "log_json" in settings.model_fields_set else None
    configure_logging(settings.log_level, json_lines=json_lines_wanted(forced))
    return settings


def schema_ready_or_exit(settings: Settings, *, status: int = 1) -> None:
    """Migrate an embedded database, or say that a server database needs ``marquee db upgrade``
    and exit with ``status`` (:func:`marquee.migrate.prepare` decides)."""
    try:
        migrate.prepare(settings.resolved_database_url)
    except SchemaNotCurrent as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(status) from None


def platform_or_exit(settings: Settings) -> Platform:
    """The platform's services, or one line saying why they cannot be built and exit status 1."""
    try:
        return build_platform(settings)
    except SchemaNotCurrent as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None


def progress_bars(label_width: int = 22) -> Progress:
    """Bars for work in the media pipeline: label, bar, percentage, status word, time taken."""
    return Progress(
        TextColumn(f"{{task.description:<{label_width}}}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[status]:<10}"),
        TimeElapsedColumn(),
        console=console,
    )


def step_done(step: StepOut) -> float:
    """How much of a pipeline step is done, from 0 to 1."""
    return 1.0 if step.status == "succeeded" else step.progress
