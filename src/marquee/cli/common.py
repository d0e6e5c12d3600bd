"""Helpers shared by the CLI commands."""

from __future__ import annotations

import typer
from rich.console import Console

from marquee.kit.telemetry import configure_logging
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
    configure_logging(settings.log_level, json_lines=settings.log_json)
    return settings


def platform_or_exit(settings: Settings) -> Platform:
    """The platform's services, or one line saying why they cannot be built and exit status 1."""
    try:
        return build_platform(settings)
    except SchemaNotCurrent as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
