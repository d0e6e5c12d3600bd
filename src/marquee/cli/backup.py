"""``marquee backup``: take a backup of the platform, restore one onto an empty platform
(docs/operations.md, "Backup and restore")."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from marquee import migrate
from marquee.cli.common import console, settings_or_exit
from marquee.identity import service as identity
from marquee.kit.backup import BackupError, create_backup, restore_backup, summary
from marquee.kit.cache import open_cache
from marquee.kit.db import Database
from marquee.media import service as media
from marquee.settings import Settings

app = typer.Typer(help="Backups and restores.", no_args_is_help=True)


@app.command("create")
def create(
    dest: Annotated[Path, typer.Argument(help="A new directory to write the backup into.")],
    objects: Annotated[
        bool,
        typer.Option(
            "--objects/--no-objects",
            help="Copy the objects themselves (a local store); without, only their manifest.",
        ),
    ] = True,
) -> None:
    """Back up the database, the object store (or its manifest) and the content keys."""
    settings = settings_or_exit()
    started = time.monotonic()
    try:
        manifest = create_backup(
            settings, dest, content_keys=_content_keys(settings), include_objects=objects
        )
    except BackupError as exc:
        _fail(exc)
    took = {"seconds": round(time.monotonic() - started, 2), "path": str(dest)}
    typer.echo(json.dumps({**summary(manifest), **took}))


@app.command("restore")
def restore(
    src: Annotated[Path, typer.Argument(help="A backup directory made by `backup create`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database and store that are not empty.")
    ] = False,
    keep_sessions: Annotated[
        bool,
        typer.Option(
            "--keep-sessions",
            help="Keep the backup's sign-in sessions (by default every one ends: devices signed "
            "out since the backup would be signed in again).",
        ),
    ] = False,
) -> None:
    """Check the backup, restore it onto an empty platform, migrate it forward, then end
    every sign-in session (unless --keep-sessions): everyone signs in again."""
    settings = settings_or_exit()
    started = time.monotonic()
    try:
        manifest = restore_backup(settings, src, kek_id_of=media.key_encryption_key_id, force=force)
    except BackupError as exc:
        _fail(exc)
    migrate.upgrade(settings.resolved_database_url)
    ended = 0 if keep_sessions else _sign_out_everyone(settings)
    took = {"seconds": round(time.monotonic() - started, 2), "path": str(src)}
    typer.echo(json.dumps({**summary(manifest), "sessions_ended": ended, **took}))


def _content_keys(settings: Settings) -> list[dict[str, str]]:
    db = Database(settings.resolved_database_url)
    try:
        with db.sessions() as session:
            return media.wrapped_content_keys(session)
    finally:
        db.dispose()


def _sign_out_everyone(settings: Settings) -> int:
    """End the restored sessions, their copies in the platform's cache too: the backup holds
    sessions that may have been signed out since it was taken (a stolen device, a password
    changed), and nothing in it tells which."""
    db = Database(settings.resolved_database_url)
    cache = open_cache(settings.cache_url)
    try:
        return identity.sign_out_everyone(identity.Identity.build(settings, cache, db.sessions))
    finally:
        cache.close()
        db.dispose()


def _fail(exc: BackupError) -> NoReturn:
    console.print(f"[red]error:[/red] {exc}", highlight=False)
    raise typer.Exit(1)
