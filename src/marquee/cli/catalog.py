"""``marquee catalog``: bulk work on the catalog (imports)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from marquee.catalog import feeds, importer
from marquee.cli.common import console, schema_ready_or_exit, settings_or_exit
from marquee.identity.schemas import language_tag
from marquee.kit.db import Database


class Format(StrEnum):
    auto = "auto"
    csv = "csv"
    jsonl = "jsonl"


app = typer.Typer(
    help="The catalog: titles, seasons, ratings, licence windows.", no_args_is_help=True
)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or JSON Lines.")],
    format_: Annotated[
        Format, typer.Option("--format", help="auto: by the file's extension (.jsonl, .csv).")
    ] = Format.auto,
    language: Annotated[
        str, typer.Option(help="CSV: language of the titles and descriptions (BCP 47).")
    ] = "en",
    territory: Annotated[
        list[str] | None,
        typer.Option(help="CSV: where new titles are licensed (codes or regions; repeat)."),
    ] = None,
    licensor: Annotated[str, typer.Option(help="CSV: licensor of the windows it creates.")] = "",
) -> None:
    """Create or update titles from FILE; bad rows are reported by line number and skipped.

    Exit status 0 when every row was imported, 1 when some were skipped, 2 when the file
    could not be read at all.
    """
    settings = settings_or_exit()
    schema_ready_or_exit(settings, status=2)
    try:
        tag = language_tag(language)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    jsonl = format_ == Format.jsonl or (
        format_ == Format.auto and file.suffix in (".jsonl", ".ndjson")
    )
    db = Database(settings.resolved_database_url)
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            rows = (
                feeds.read_jsonl(handle)
                if jsonl
                else feeds.read_csv(
                    handle, language=tag, territories=territory or ["WORLD"], licensor=licensor
                )
            )
            report = importer.import_rows(db, settings, rows, partial=not jsonl)
    except (feeds.BadFile, UnicodeDecodeError) as exc:
        console.print(f"[red]error:[/red] {file}: {exc}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        db.dispose()
    for line, message in report.errors:
        console.print(f"{file}:{line}: {message}", highlight=False, markup=False)
    typer.echo(f"{report.created} created, {report.updated} updated, {len(report.errors)} skipped")
    if report.errors:
        raise typer.Exit(1)
