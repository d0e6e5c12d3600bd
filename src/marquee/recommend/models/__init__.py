"""The model families (one module each, one interface: ``base.Recommender``), the named
models the evaluation and the platform choose from, and loading any of them from bytes."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from marquee.recommend import artifact
from marquee.recommend.artifact import ArtifactError
from marquee.recommend.interactions import Interactions
from marquee.recommend.models.als import Als
from marquee.recommend.models.base import Recommender, top_k
from marquee.recommend.models.ease import Ease
from marquee.recommend.models.itemknn import ItemKnn
from marquee.recommend.models.popularity import Popularity
from marquee.recommend.models.recency import RecencyEase

__all__ = [
    "MODELS",
    "PRODUCTION_MODEL",
    "ArtifactError",
    "Recommender",
    "fit",
    "load",
    "top_k",
]

FAMILIES: dict[str, type[Recommender]] = {
    family.family: family for family in (Popularity, ItemKnn, Ease, Als, RecencyEase)
}

# Named models with the parameters chosen on the validation split (bench/recommend.py,
# docs/recommend.md): these are what `marquee recommend evaluate --model NAME` fits.
MODELS: dict[str, Callable[[Interactions], Recommender]] = {
    "popularity": Popularity.fit,
    "itemknn": partial(ItemKnn.fit, neighbours=100),
    "ease": partial(Ease.fit, l2=500.0),
    "als": partial(Als.fit, factors=64, regularization=1.0, alpha=5.0),
    "ease-recency": partial(
        RecencyEase.fit, l2=500.0, emphasis=0.3, relax=0.1, half_life=3.0, floor=2.0
    ),
}

# The model the platform serves, chosen by the offline evaluation (docs/recommend.md).
PRODUCTION_MODEL = "ease-recency"


def fit(name: str, interactions: Interactions) -> Recommender:
    """The named model fitted on ``interactions``; ``KeyError`` for a name not in MODELS."""
    return MODELS[name](interactions)


def load(blob: bytes) -> Recommender:
    """The model saved in ``blob`` (``Recommender.to_bytes``); :class:`ArtifactError` when the
    bytes are not a whole artifact of a known family."""
    family, params, arrays = artifact.parse(blob)
    if family not in FAMILIES:
        raise ArtifactError(f"model artifact of unknown family {family!r}")
    return FAMILIES[family].from_parts(params, arrays)
