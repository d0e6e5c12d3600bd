"""``marquee recommend``: the recommender's offline evaluation (docs/recommend.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from marquee.cli.common import console
from marquee.recommend import service

app = typer.Typer(help="Recommendation models.", no_args_is_help=True)

Ratings = Annotated[
    Path,
    typer.Option(exists=True, dir_okay=False, help="user<TAB>item<TAB>rating<TAB>timestamp"),
]


@app.callback()
def recommend() -> None:
    """Recommendation models: their offline evaluation (docs/recommend.md)."""


@app.command()
def evaluate(
    train: Ratings,
    test: Ratings,
    model: Annotated[
        str, typer.Option(help=f"One of {', '.join(service.MODELS)}.")
    ] = service.PRODUCTION_MODEL,
    as_json: Annotated[bool, typer.Option("--json", help="One line of JSON.")] = False,
) -> None:
    """Fit a model on --train and print its NDCG@10 and Recall@20 on --test (positives: test
    ratings >= 4; items rated in training are never recommended)."""
    if model not in service.MODELS:
        console.print(
            f"[red]error:[/red] --model: unknown model {model!r}; use one of "
            f"{', '.join(service.MODELS)}",
            highlight=False,
        )
        raise typer.Exit(2)
    try:
        result = service.evaluate_files(train=train, test=test, model=model)
    except service.MalformedRatings as exc:
        typer.echo(str(exc), err=True)  # FILE:LINE: reason, as compilers say it
        raise typer.Exit(2) from None
    figures = {
        "model": result.model,
        "ndcg@10": round(result.ndcg_at_10, 6),
        "recall@20": round(result.recall_at_20, 6),
        "users": result.users,
        "train_s": round(result.train_s, 3),
    }
    if as_json:
        typer.echo(json.dumps(figures))
    else:
        typer.echo("\n".join(f"{name:<10} {value}" for name, value in figures.items()))
