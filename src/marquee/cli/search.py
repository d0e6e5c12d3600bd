"""``marquee search``: this node's search index."""

from __future__ import annotations

import typer

from marquee.cli.common import console, platform_or_exit, schema_ready_or_exit, settings_or_exit
from marquee.discovery import service

app = typer.Typer(help="Search index of this node.", no_args_is_help=True)


@app.command()
def reindex() -> None:
    """Rebuild the search index under the data dir from the catalog."""
    settings = settings_or_exit()
    schema_ready_or_exit(settings)
    platform = platform_or_exit(settings)
    try:
        with platform.db.transaction() as session:
            count = service.reindex(session, settings=platform.settings)
    finally:
        platform.stop()
    console.print(f"Indexed {count} titles.")
