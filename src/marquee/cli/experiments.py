"""``marquee experiments``: define, start, stop and read experiments from the command line
(the same service as the admin API, docs/experiments.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel, ValidationError

from marquee.cli.common import console, platform_or_exit, schema_ready_or_exit, settings_or_exit
from marquee.experiments import service
from marquee.experiments.schemas import ExperimentIn
from marquee.kit.errors import Problem
from marquee.runtime import Platform

app = typer.Typer(help="A/B tests and feature flags.", no_args_is_help=True)
Key = Annotated[str, typer.Argument(help="The experiment's key.")]


@app.callback()
def experiments() -> None:
    """A/B tests and feature flags (docs/experiments.md)."""


def _run(work: Callable[[Platform], BaseModel | list[BaseModel]]) -> None:
    """Run ``work`` on the platform in one transaction and print its answer as JSON; a
    problem prints its detail and exits 2."""
    settings = settings_or_exit()
    schema_ready_or_exit(settings)
    platform = platform_or_exit(settings)
    try:
        answer = work(platform)
    except Problem as problem:
        console.print(f"[red]error:[/red] {problem.detail}")
        raise typer.Exit(2) from None
    finally:
        platform.stop()
    items = answer if isinstance(answer, list) else [answer]
    dumped = [item.model_dump(mode="json") for item in items]
    typer.echo(json.dumps(dumped if isinstance(answer, list) else dumped[0], indent=2))


@app.command()
def create(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A JSON definition.")],
) -> None:
    """Define an experiment from a JSON file (the body of POST /api/v1/experiments)."""
    try:
        form = ExperimentIn.model_validate_json(file.read_bytes())
    except ValidationError as exc:
        console.print(f"[red]error:[/red] {file}: {exc}")
        raise typer.Exit(2) from None

    def work(platform: Platform) -> BaseModel:
        with platform.db.transaction() as session:
            return service.create_experiment(session, form=form)

    _run(work)


@app.command("list")
def list_() -> None:
    """Every experiment, newest first."""

    def work(platform: Platform) -> list[BaseModel]:
        with platform.db.transaction() as session:
            return list(service.list_experiments(session))

    _run(work)


@app.command()
def start(key: Key) -> None:
    """Start a draft: units are assigned from now on."""

    def work(platform: Platform) -> BaseModel:
        with platform.db.transaction() as session:
            return service.start_experiment(session, key=key)

    _run(work)


@app.command()
def stop(key: Key) -> None:
    """Stop a running experiment."""

    def work(platform: Platform) -> BaseModel:
        with platform.db.transaction() as session:
            return service.stop_experiment(session, key=key, reason="stopped from the command line")

    _run(work)


@app.command()
def results(key: Key) -> None:
    """Print the experiment's results (units, exposures, metrics, checks) as JSON."""

    def work(platform: Platform) -> BaseModel:
        with platform.db.transaction() as session:
            return service.experiment_results(session, platform, key=key)

    _run(work)
