"""What other domains and the commands may use of recommend (its face): the named models, the
production model, fitting, loading artifacts and the offline evaluation; then the online half:
a profile's signals (thumbs, My List), the model this process serves and a profile's picks from
it (docs/recommend.md)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from marquee.experiments.service import RecommendModel
from marquee.recommend import serving as _serving
from marquee.recommend.artifact import ArtifactError
from marquee.recommend.evaluation import Evaluation, MalformedRatings, evaluate, read_ratings
from marquee.recommend.interactions import Interactions, build, recency_weights
from marquee.recommend.models import MODELS, PRODUCTION_MODEL, Recommender, fit, load, top_k
from marquee.recommend.schemas import Picks
from marquee.recommend.signals import (
    add_to_list,
    clear_rating,
    forget,
    my_list,
    rate,
    rating,
    remove_from_list,
    signals_of,
)
from marquee.settings import Settings

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
    training = read_ratings(train)
    if not training.users:
        raise MalformedRatings(f"{train}: no ratings to train on")
    return evaluate(training, read_ratings(test), model=model)


# The online half: signals, the served model and a profile's picks (docs/recommend.md).

__all__ += [
    "add_to_list",
    "clear_rating",
    "forget",
    "model_version",
    "my_list",
    "picks",
    "rate",
    "rating",
    "remove_from_list",
    "signals_key",
    "signals_of",
]


def signals_key(profile_id: str) -> str:
    """The cache key counting the profile's signal changes: bumped after each change commits,
    so answers cached under its value are renewed."""
    return f"recommend:signals:{profile_id}"


def serve_model(settings: Settings) -> None:
    """Load the model to serve now rather than at the first rows built, then look for new
    versions on a thread of this process's own: an API node calls this before it answers (see
    :func:`model_version`)."""
    _serving.served(settings).watch()


def model_version(settings: Settings, model: RecommendModel = "current") -> str:
    """The version this process serves now ("" none), without any I/O; with ``model``
    "popularity", that version's popularity model's. Browse's cache keys carry it: rows built
    before a node's first load were cached under "" and built again once it loaded."""
    loaded = _serving.served(settings).loaded
    version = loaded.version if loaded is not None else ""
    return f"{version}-popularity" if version and model == "popularity" else version


def picks(
    session: Session,
    *,
    settings: Settings,
    profile_id: str,
    country: str,
    limit: int,
    because_of: Sequence[str] = (),
    allowed: frozenset[str] | None = None,
    model: RecommendModel = "current",
) -> Picks:
    """The profile's scores from the served model with its fresh signals folded in, and what
    the model puts next to each title of ``because_of``; only titles of ``allowed`` when
    given (what the profile may see). ``model`` "popularity" scores with the served
    version's popularity model instead (an experiment's ``recommend_model`` variant)."""
    signals = signals_of(session, profile_id=profile_id)
    served = _serving.served(settings)
    loaded = served.popularity() if model == "popularity" else served.current()
    if loaded is None:
        return Picks(version="", scores={}, because={}, down=signals.down, listed=signals.listed)
    return Picks(
        version=loaded.version,
        scores=dict(
            _serving.ranked(loaded, signals, country=country, limit=limit, allowed=allowed)
        ),
        because={
            t: _serving.similar(loaded, t, signals, limit=limit, allowed=allowed)
            for t in because_of
        },
        down=signals.down,
        listed=signals.listed,
    )
