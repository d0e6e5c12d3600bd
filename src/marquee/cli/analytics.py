"""``marquee analytics``: the reports of the event lake, from the command line."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer

from marquee.analytics import service
from marquee.cli.common import console, platform_or_exit, schema_ready_or_exit, settings_or_exit
from marquee.kit.errors import Problem

app = typer.Typer(help="Analytics reports of the event lake.", no_args_is_help=True)


@app.callback()
def analytics() -> None:
    """Analytics reports of the event lake (docs/analytics.md)."""


class Format(StrEnum):
    json = "json"
    csv = "csv"


@app.command()
def report(
    name: Annotated[str, typer.Argument(help="viewing, retention, quality, business or content.")],
    first: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day.")],
    last: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day.")],
    output: Annotated[Format, typer.Option("--format", help="json or csv.")] = Format.json,
    group_by: Annotated[str | None, typer.Option(help="Comma-separated groups.")] = None,
    country: Annotated[str | None, typer.Option(help="Only this country (ISO code).")] = None,
    title_id: Annotated[str | None, typer.Option(help="Only this title.")] = None,
) -> None:
    """Print a report over the days --from..--to (both included) as JSON or CSV."""
    settings = settings_or_exit()
    schema_ready_or_exit(settings)
    platform = platform_or_exit(settings)
    try:
        answer = service.report(
            platform,
            name=name,
            first=first.date(),
            last=last.date(),
            group_by=[g.strip() for g in group_by.split(",")] if group_by else None,
            country=country,
            title_id=title_id,
        )
    except Problem as problem:
        console.print(f"[red]error:[/red] {problem.detail}")
        raise typer.Exit(2) from None
    finally:
        platform.stop()
    if output is Format.csv:
        typer.echo(service.report_csv(answer), nl=False)
    else:
        typer.echo(answer.model_dump_json(by_alias=True, indent=2))
