"""What other domains and the commands may use of recommend (its face): the named models, the
production model, fitting, loading artifacts and the offline evaluation. Nothing here touches
the database yet; the online half (signals, artifacts in the object store, rows) adds its
session-taking functions beside these (docs/recommend.md)."""

from __future__ import annotations

from pathlib import Path

from marquee.recommend.artifact import ArtifactError
from marquee.recommend.evaluation import Evaluation, MalformedRatings, evaluate, read_ratings
from marquee.recommend.interactions import Interactions, build, recency_weights
from marquee.recommend.models import MODELS, PRODUCTION_MODEL, Recommender, fit, load, top_k

__all__ = [
    "MODELS",
    "PRODUCTION_MODEL",
    "ArtifactError",
    "Evaluation",
    "Interactions",
    "MalformedRatings",
    "Recommender",
    "build",
    "evaluate_files",
    "fit",
    "load",
    "recency_weights",
    "top_k",
]


def evaluate_files(*, train: Path, test: Path, model: str = PRODUCTION_MODEL) -> Evaluation:
    """Fit ``model`` on the ratings of ``train`` and measure it on those of ``test``
    (``evaluation``'s protocol). :class:`MalformedRatings` names the first bad line;
    ``KeyError`` an unknown model."""
    if model not in MODELS:
        raise KeyError(model)
    return evaluate(read_ratings(train), read_ratings(test), model=model)
