"""``marquee ingest``: put a source in the object store and run the media pipeline on it."""

from __future__ import annotations

import mimetypes
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID

from marquee import migrate
from marquee.catalog.schemas import TitleCreate
from marquee.catalog.studio.titles import create_title
from marquee.cli.common import (
    console,
    platform_or_exit,
    progress_bars,
    settings_or_exit,
    step_done,
)
from marquee.kit.db import Database
from marquee.kit.errors import Problem
from marquee.kit.storage import ObjectStore
from marquee.media import service
from marquee.media.schemas import AssetOut, InputFile

POLL_S = 0.25
INGEST_ACTOR = "cli:ingest"


def _pairs(values: list[str] | None, option: str) -> list[tuple[str, Path]]:
    pairs = []
    for value in values or []:
        language, sep, path = value.partition("=")
        if not sep or not language or not path:
            console.print(f"[red]error:[/red] {option} {value!r}: use LANG=PATH", highlight=False)
            raise typer.Exit(2)
        if not Path(path).is_file():
            console.print(f"[red]error:[/red] {option} {value!r}: no such file", highlight=False)
            raise typer.Exit(2)
        pairs.append((language, Path(path)))
    return pairs


def _store(storage: ObjectStore, path: Path, key: str) -> str:
    storage.upload_from(str(path), key, content_type=mimetypes.guess_type(path.name)[0])
    return key


def ingest(
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="Source file.")
    ],
    title: Annotated[
        str | None, typer.Option("--title", help="Title name (for the catalog to create).")
    ] = None,
    title_id: Annotated[
        str | None, typer.Option("--title-id", help="Id of an existing catalog title.")
    ] = None,
    audio: Annotated[
        list[str] | None,
        typer.Option("--audio", help="Extra audio language: LANG=PATH (repeatable)."),
    ] = None,
    subtitles: Annotated[
        list[str] | None,
        typer.Option("--subtitles", help="Subtitles: LANG=PATH, SRT or WebVTT (repeatable)."),
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Do not encrypt the package.")] = False,
    publish: Annotated[
        bool, typer.Option("--publish", help="Ask the catalog to publish the title worldwide.")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON object with the result on stdout.")
    ] = False,
    workers: Annotated[int, typer.Option(min=1, help="Media worker threads in this process.")] = 1,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations first.")
    ] = True,
) -> None:
    """Ingest a video: QC, encode the ladder, package (DASH + HLS), encrypt, thumbnails.

    The pipeline runs as queued jobs; this command also runs workers, so it needs nothing
    else running (workers of `marquee serve` or `marquee worker` share the jobs).
    """
    if title is not None and title_id is not None:
        console.print("[red]error:[/red] give --title or --title-id, not both")
        raise typer.Exit(2)
    audio_files = _pairs(audio, "--audio")
    subtitle_files = _pairs(subtitles, "--subtitles")
    settings = settings_or_exit()
    if migrate_first:
        migrate.upgrade(settings.resolved_database_url)
    platform = platform_or_exit(settings)
    asset_id = service.new_asset_id()
    prefix = service.source_prefix(asset_id)
    storage = platform.storage
    try:
        source_key = _store(storage, path, f"{prefix}source{path.suffix.lower()}")
        audio_inputs = [
            InputFile(language=lang, key=_store(storage, p, f"{prefix}audio-{n}{p.suffix}"))
            for n, (lang, p) in enumerate(audio_files)
        ]
        subtitle_inputs = [
            InputFile(language=lang, key=_store(storage, p, f"{prefix}subtitles-{n}{p.suffix}"))
            for n, (lang, p) in enumerate(subtitle_files)
        ]
        with platform.db.transaction() as session:
            if title is not None:
                draft = TitleCreate(kind="movie", original_title=title, original_language="en")
                title_id = create_title(session, actor=INGEST_ACTOR, data=draft).id
            service.start_ingest(
                session,
                storage=storage,
                source_key=source_key,
                title_hint=title or path.stem,
                title_id=title_id,
                audio=audio_inputs,
                subtitles=subtitle_inputs,
                clear=clear,
                publish_requested=publish,
                asset_id=asset_id,
            )
        platform.start(worker=True, short_threads=1, long_threads=workers)
        asset = _follow(platform.db, asset_id)
        while platform.relay.relay_once():
            pass  # hand the catalog media.asset_ready now (it publishes on --publish)
    except Problem as exc:
        console.print(f"[red]error:[/red] {exc.detail}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        platform.stop()
    if json_output:
        typer.echo(service.ingest_result(asset).model_dump_json())
    if asset.status != "ready":
        reason = " | ".join(line.strip() for line in (asset.error or "").splitlines() if line)
        console.print(
            f"[red]error:[/red] ingest failed at step {asset.failed_step}: {reason}",
            highlight=False,
        )
        raise typer.Exit(1)
    if not json_output:
        console.print(
            f"asset {asset.id} ready: {len(asset.renditions)} renditions, "
            f"DASH {asset.dash}, HLS {asset.hls}",
            highlight=False,
        )


def _follow(db: Database, asset_id: str) -> AssetOut:
    """Show a progress bar per step until the asset is ready or failed."""
    tasks: dict[str, TaskID] = {}
    with progress_bars() as bars:
        while True:
            with db.sessions() as session:
                asset = service.get_asset(session, asset_id=asset_id)
            if [s.name for s in asset.steps] != list(tasks):
                # New steps (the encodes, once planned): show them all in pipeline order.
                for task in tasks.values():
                    bars.remove_task(task)
                tasks = {
                    s.name: bars.add_task(s.name, total=1.0, status=s.status) for s in asset.steps
                }
            for step in asset.steps:
                bars.update(tasks[step.name], completed=step_done(step), status=step.status)
            if asset.status in ("ready", "failed"):
                return asset
            time.sleep(POLL_S)
