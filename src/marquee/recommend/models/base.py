"""The one interface of every model family: fit on interactions, score a profile's row by
fold-in, recommend its top k, save to and load from bytes (``recommend.artifact``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Self

import numpy as np

from marquee.recommend import artifact
from marquee.recommend.interactions import Interactions, Matrix, binary

# Scores are nudged by this much times the item's share of the most popular item's count, so
# that items a model cannot tell apart (a new profile folds in to all zeros) come out in
# popularity order rather than column order.
TIE_BREAK = 1e-9


class Recommender(ABC):
    """A fitted model: item scores for any profile's row, new profiles included."""

    family: ClassVar[str]

    def __init__(self, *, item_ids: np.ndarray, popularity: np.ndarray) -> None:
        self.item_ids = item_ids
        self.popularity = popularity

    @classmethod
    @abstractmethod
    def fit(cls, interactions: Interactions) -> Self:
        """The model fitted on ``interactions`` (each family adds its own keyword parameters)."""

    @abstractmethod
    def _scores(
        self, rows: Matrix, countries: Sequence[str] | None, strength: Matrix | None
    ) -> np.ndarray:
        """Dense scores, one line per row of ``rows``, one column per item; ``strength``
        (the pairs of ``rows``) scales what each interaction contributes."""

    @abstractmethod
    def _params(self) -> dict[str, Any]:
        """The parameters that, with :meth:`_arrays`, make the model again."""

    @abstractmethod
    def _arrays(self) -> dict[str, np.ndarray]:
        """The fitted arrays."""

    @classmethod
    @abstractmethod
    def _restore(
        cls, params: dict[str, Any], arrays: dict[str, np.ndarray], *, base: dict[str, np.ndarray]
    ) -> Self:
        """The model from its saved parameters and arrays (``base``: ``item_ids`` and
        ``popularity``, for :meth:`__init__`)."""

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def score_many(
        self,
        rows: Matrix,
        countries: Sequence[str] | None = None,
        strength: Matrix | None = None,
    ) -> np.ndarray:
        """Scores of every item (columns) for every row of ``rows`` (float64); ``strength``,
        over the same pairs, says how much each interaction counts (1 without it)."""
        if rows.shape[1] != self.n_items:
            raise ValueError(f"rows have {rows.shape[1]} items, the model {self.n_items}")
        if strength is not None:
            strength = strength.tocsr()
        scores = np.asarray(self._scores(rows.tocsr(), countries, strength), dtype=np.float64)
        peak = self.popularity.max() if self.popularity.size else 0.0
        if peak > 0:
            scores += TIE_BREAK * (self.popularity / peak)
        return scores

    def score(
        self, user_row: Matrix, *, country: str | None = None, strength: Matrix | None = None
    ) -> np.ndarray:
        """Scores of every item for one profile's row (1 × items), folded in."""
        countries = None if country is None else [country]
        scores: np.ndarray = self.score_many(user_row, countries, strength)[0]
        return scores

    def recommend(
        self,
        user_row: Matrix,
        k: int,
        exclude: Iterable[int] = (),
        *,
        country: str | None = None,
        strength: Matrix | None = None,
    ) -> np.ndarray:
        """The ``k`` best item columns for ``user_row``, best first, none of ``exclude``."""
        scores = self.score(user_row, country=country, strength=strength)
        return top_k(scores[None, :], k, [np.fromiter(exclude, dtype=np.int64)])[0]

    def to_bytes(self) -> bytes:
        arrays = {"item_ids": self.item_ids, "popularity": self.popularity, **self._arrays()}
        return artifact.dump(self.family, self._params(), arrays)

    @classmethod
    def from_parts(cls, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> Self:
        """The model of an artifact's parts; :class:`ArtifactError` when some are missing."""
        base = {name: arrays.pop(name, None) for name in ("item_ids", "popularity")}
        try:
            return cls._restore(params, arrays, base=base)  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError) as exc:
            raise artifact.ArtifactError(f"{cls.family} artifact incomplete ({exc!r})") from None


def top_k(scores: np.ndarray, k: int, exclude: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Per line of ``scores``, the columns of its ``k`` best (best first), leaving out that
    line's ``exclude``; fewer when fewer are left."""
    scores = scores.copy()
    for line, columns in enumerate(exclude):
        scores[line, columns] = -np.inf
    k = min(k, scores.shape[1])
    if k <= 0:
        return [np.empty(0, dtype=np.int64) for _ in scores]
    best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    ordered = np.take_along_axis(
        best, np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1, kind="stable"), axis=1
    )
    return [line[np.isfinite(scores[i, line])] for i, line in enumerate(ordered)]


def item_popularity(interactions: Interactions) -> np.ndarray:
    """How many rows interacted with each item."""
    return np.asarray(binary(interactions.matrix).sum(axis=0), dtype=np.float64).ravel()
