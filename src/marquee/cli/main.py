"""``marquee``: serve the platform, run workers, migrate, check the installation."""

from __future__ import annotations

import tempfile
from typing import Annotated

import typer

from marquee import __version__, migrate
from marquee.cli import analytics, backup, billing, catalog, experiments, recommend, search, user
from marquee.cli.common import console, platform_or_exit, schema_ready_or_exit, settings_or_exit
from marquee.cli.demo import demo
from marquee.cli.doctor import doctor
from marquee.cli.edge import app as edge_app
from marquee.cli.ingest import ingest
from marquee.cli.serving import EDGE_CACHE_SIZE, ROLES, serve_platform, wait_for_signal

app = typer.Typer(help="Marquee, a self-hostable video streaming platform.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(edge_app, name="edge")
app.add_typer(user.app, name="user")
app.add_typer(catalog.app, name="catalog")
app.add_typer(search.app, name="search")
app.add_typer(analytics.app, name="analytics")
app.add_typer(experiments.app, name="experiments")
app.add_typer(recommend.app, name="recommend")
app.add_typer(billing.app, name="billing")
app.add_typer(backup.app, name="backup")
app.command()(doctor)
app.command()(ingest)
app.command()(demo)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    role: Annotated[
        str, typer.Option(help="Comma-separated roles this process plays: api, worker, edge.")
    ] = "api,worker,edge",
    edge_port: Annotated[
        int | None, typer.Option(help="Port of the edge role (default: --port + 1).")
    ] = None,
    edge_cache_size: Annotated[
        str, typer.Option(help="Cache bound of the edge role.")
    ] = EDGE_CACHE_SIZE,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations before serving.")
    ] = True,
) -> None:
    """Run the platform: the HTTP API, the job workers and an edge cache, in one process."""
    roles = frozenset(r.strip() for r in role.split(",") if r.strip())
    unknown = roles - ROLES
    if unknown or not roles:
        console.print(
            f"[red]error:[/red] --role: unknown role(s) {sorted(unknown)}; use {sorted(ROLES)}"
        )
        raise typer.Exit(2)
    settings = settings_or_exit()
    if migrate_first:
        migrate.upgrade(settings.resolved_database_url)
    serve_platform(
        settings,
        host=host,
        port=port,
        roles=roles,
        edge_port=edge_port,
        edge_cache_size=edge_cache_size,
    )


@app.command()
def worker(
    short_threads: Annotated[int, typer.Option(help="Threads for short jobs.")] = 4,
    long_threads: Annotated[int, typer.Option(help="Threads for long (media) jobs.")] = 1,
) -> None:
    """Run job workers only (scale out by starting more of these, on any machine)."""
    settings = settings_or_exit()
    schema_ready_or_exit(settings)
    platform = platform_or_exit(settings)
    platform.start(worker=True, short_threads=short_threads, long_threads=long_threads)
    try:
        wait_for_signal()
    finally:
        platform.stop()


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply the schema migrations to MARQUEE_DATABASE_URL."""
    settings = settings_or_exit()
    migrate.upgrade(settings.resolved_database_url, revision)
    console.print(f"database at revision {revision}")


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the migrations disagree (checked on a scratch SQLite database)."""
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/check.db"
        migrate.upgrade(url)
        migrate.check(url)
    console.print("models and migrations agree")


@app.command()
def version() -> None:
    """Print Marquee's version."""
    typer.echo(__version__)


def run() -> None:
    app()
