"""Implicit ALS (Hu, Koren, Volinsky 2008) from the ``implicit`` package, its CPU build: item
factors are fitted on all rows; a profile's factors are solved from its row at scoring time
(``recalculate_user``), so new profiles and new plays need no retraining."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
from implicit.cpu.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits

from marquee.recommend.interactions import Interactions, Matrix, binary, weighted
from marquee.recommend.models.base import Recommender, item_popularity


class Als(Recommender):
    family = "als"

    def __init__(
        self,
        *,
        item_ids: np.ndarray,
        popularity: np.ndarray,
        item_factors: np.ndarray,
        params: dict[str, Any],
    ) -> None:
        super().__init__(item_ids=item_ids, popularity=popularity)
        self.params = params
        self._solver = _solver(params)
        self._solver.item_factors = item_factors

    @classmethod
    def fit(
        cls,
        interactions: Interactions,
        *,
        factors: int = 64,
        regularization: float = 1.0,
        alpha: float = 5.0,
        iterations: int = 15,
        seed: int = 1,
    ) -> Self:
        params = {
            "factors": factors,
            "regularization": regularization,
            "alpha": alpha,
            "iterations": iterations,
            "seed": seed,
        }
        solver = _solver(params)
        # implicit runs its own threads; OpenBLAS threads on top of them only compete.
        with threadpool_limits(1, "blas"):
            solver.fit(
                weighted(binary(interactions.matrix), interactions.strength), show_progress=False
            )
        return cls(
            item_ids=interactions.item_ids,
            popularity=item_popularity(interactions),
            item_factors=solver.item_factors,
            params=params,
        )

    def _scores(
        self, rows: Matrix, countries: Sequence[str] | None, strength: Matrix | None
    ) -> np.ndarray:
        users = np.arange(rows.shape[0])
        with threadpool_limits(1, "blas"):
            factors = self._solver.recalculate_user(users, weighted(binary(rows), strength))
        return np.asarray(factors @ self._solver.item_factors.T)

    def _params(self) -> dict[str, Any]:
        return self.params

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"item_factors": self._solver.item_factors}

    @classmethod
    def _restore(
        cls, params: dict[str, Any], arrays: dict[str, np.ndarray], *, base: dict[str, np.ndarray]
    ) -> Self:
        factors = arrays["item_factors"]
        if factors.shape != (len(base["item_ids"]), params["factors"]):
            raise ValueError(f"item factors of shape {factors.shape}")
        return cls(**base, item_factors=factors.astype(np.float32), params=params)


def _solver(params: dict[str, Any]) -> AlternatingLeastSquares:
    with threadpool_limits(1, "blas"):  # else implicit warns about OpenBLAS's threads
        return AlternatingLeastSquares(
            factors=params["factors"],
            regularization=params["regularization"],
            alpha=params["alpha"],
            iterations=params["iterations"],
            random_state=params["seed"],
            calculate_training_loss=False,
        )
