"""EASE (Steck, 2019): a dense item × item weight matrix with a zero diagonal, in closed form
from the Gram matrix of the interactions plus a diagonal penalty.

The penalty is ``l2`` on every item plus, when ``emphasis`` p > 0, ``p / (1 - p)`` times the
item's own count: the closed form of a denoising autoencoder trained with dropout rate p
(EDLAE, Steck 2020), which penalises popular items more. With ``relax`` ξ > 0 the diagonal
of the weights may reach ξ instead of being held at 0 (RDLAE, Moon et al. 2023): each column
of the inverse P is scaled by max(penalty, (1 − ξ) / P_jj) instead of EASE's 1 / P_jj, which
lifts the less popular items a little. Scores of a profile's own items (the only ones a
diagonal touches) are never recommended, so the diagonal is stored as 0 either way. The
inverse is of an items × items
matrix: only the ``max_items`` most popular items are modelled (the others score 0 and come
after them, by popularity). With ``neighbours`` > 0 each item keeps only its that many largest
weights, stored sparse: a smaller artifact and a faster fold-in for a little accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack

from marquee.recommend.interactions import Interactions, Matrix, binary, weighted
from marquee.recommend.models.base import Recommender, item_popularity
from marquee.recommend.models.itemknn import sparse_arrays, sparse_matrix

MAX_ITEMS = 10_000
PRUNE_ROWS = 1024  # rows pruned or mirrored at once: bounds the temporary arrays


class Ease(Recommender):
    family = "ease"

    def __init__(
        self,
        *,
        item_ids: np.ndarray,
        popularity: np.ndarray,
        columns: np.ndarray,
        weights: np.ndarray | sp.csr_matrix,
        params: dict[str, Any],
    ) -> None:
        super().__init__(item_ids=item_ids, popularity=popularity)
        self.columns = columns
        self.weights = weights
        self.params = params

    @classmethod
    def fit(
        cls,
        interactions: Interactions,
        *,
        l2: float = 500.0,
        emphasis: float = 0.0,
        relax: float = 0.0,
        max_items: int = MAX_ITEMS,
        neighbours: int = 0,
    ) -> Self:
        popularity = item_popularity(interactions)
        columns = modelled_items(popularity, max_items)
        penalty, inverse = penalised_inverse(interactions, columns, l2=l2, emphasis=emphasis)
        weights = weights_of(inverse, penalty, relax)
        return cls(
            item_ids=interactions.item_ids,
            popularity=popularity,
            columns=columns,
            weights=keep_largest(weights, neighbours) if neighbours else weights,
            params={
                "l2": l2,
                "emphasis": emphasis,
                "relax": relax,
                "max_items": max_items,
                "neighbours": neighbours,
            },
        )

    def fold_in(self, rows: Matrix) -> Matrix:
        """What a row contributes: each interaction counts 1."""
        return binary(rows)

    def _scores(
        self, rows: Matrix, countries: Sequence[str] | None, strength: Matrix | None
    ) -> np.ndarray:
        scores = np.zeros(rows.shape, dtype=np.float32)
        folded = weighted(self.fold_in(rows), strength)[:, self.columns] @ self.weights
        scores[:, self.columns] = folded.toarray() if sp.issparse(folded) else folded
        return scores

    def _params(self) -> dict[str, Any]:
        return self.params

    def _arrays(self) -> dict[str, np.ndarray]:
        if sp.issparse(self.weights):
            return {"columns": self.columns, **sparse_arrays(self.weights)}
        return {"columns": self.columns, "weights": self.weights}

    @classmethod
    def _restore(
        cls, params: dict[str, Any], arrays: dict[str, np.ndarray], *, base: dict[str, np.ndarray]
    ) -> Self:
        columns = arrays["columns"]
        n = len(columns)
        weights = arrays["weights"] if "weights" in arrays else sparse_matrix(arrays, (n, n))
        if weights.shape != (n, n):
            raise ValueError(f"weights of shape {weights.shape} for {n} items")
        return cls(**base, columns=columns, weights=weights, params=params)


def modelled_items(popularity: np.ndarray, max_items: int) -> np.ndarray:
    """The columns of the ``max_items`` most popular items that have any interaction, in
    column order."""
    seen = np.flatnonzero(popularity > 0)
    if len(seen) > max_items:
        seen = np.sort(seen[np.argsort(-popularity[seen], kind="stable")[:max_items]])
    return seen


def penalised_inverse(
    interactions: Interactions, columns: np.ndarray, *, l2: float, emphasis: float
) -> tuple[np.ndarray, np.ndarray]:
    """(penalty, P): the diagonal penalty of every modelled item and P = (G + diag(penalty))⁻¹,
    G the Gram matrix of the (strength-weighted) interactions with those items."""
    ones = weighted(binary(interactions.matrix), interactions.strength)[:, columns]
    gram = (ones.T @ ones).astype(np.float32, copy=False).toarray()
    penalty = l2 + emphasis / (1.0 - emphasis) * np.diag(gram).astype(np.float64)
    return penalty, inverse_in_place(gram, penalty)


def weights_of(inverse: np.ndarray, penalty: np.ndarray, relax: float = 0.0) -> np.ndarray:
    """The weights B = I − P·diag(γ) with γ_j = max(penalty_j, (1 − relax) / P_jj), diagonal set
    to 0 (relax 0: EASE's γ = 1 / P_jj, the diagonal constraint held). Computed in
    ``inverse``'s memory (float32), which it returns."""
    diagonal = np.diag(inverse).astype(np.float64)
    scale = np.maximum(penalty, (1.0 - relax) / diagonal) if relax else 1.0 / diagonal
    inverse *= (-scale).astype(inverse.dtype)[None, :]
    np.fill_diagonal(inverse, 0.0)
    return inverse


def inverse_in_place(gram: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """(G + diag(penalty))⁻¹, symmetric, float32 and C-ordered (a profile's scores multiply
    its rows), by Cholesky in ``gram``'s memory.

    LAPACK copies any array that is not in Fortran order; a symmetric matrix in C order is
    its own transpose in Fortran order, so whichever of ``gram`` and its transpose is in
    Fortran order is factored and inverted in place (its lower triangle), then mirrored block
    by block: one items² buffer in all, not three."""
    gram[np.diag_indices_from(gram)] += penalty.astype(gram.dtype)
    fortran = gram if gram.flags.f_contiguous else gram.T
    factor, info = lapack.spotrf(fortran, lower=True, overwrite_a=True, clean=False)
    if info != 0:
        raise ValueError(f"the penalised Gram matrix is not positive definite (spotrf {info})")
    inverse, info = lapack.spotri(factor, lower=True, overwrite_c=True)
    if info != 0:
        raise ValueError(f"the penalised Gram matrix cannot be inverted (spotri {info})")
    upper: np.ndarray = inverse.T
    mirror_upper(upper)
    return upper


def mirror_upper(matrix: np.ndarray, block: int = PRUNE_ROWS) -> None:
    """Copy a square matrix's upper triangle onto its lower one, in place, ``block`` rows at a
    time (the temporary copies stay a block's size)."""
    for start in range(0, len(matrix), block):
        stop = min(start + block, len(matrix))
        matrix[start:stop, :start] = matrix[:start, start:stop].T
        tile = matrix[start:stop, start:stop]
        below = np.tril_indices(stop - start, -1)
        tile[below] = tile.T[below]


def keep_largest(weights: np.ndarray, n: int) -> sp.csr_matrix:
    """The ``n`` largest weights of each row of a dense matrix, as CSR (row ``i``: what item
    ``i`` in a profile adds to every other item)."""
    n = min(n, weights.shape[1])
    columns = np.empty((weights.shape[0], n), dtype=np.int32)
    for start in range(0, weights.shape[0], PRUNE_ROWS):
        block = weights[start : start + PRUNE_ROWS]
        columns[start : start + len(block)] = np.argpartition(block, -n, axis=1)[:, -n:]
    values = np.take_along_axis(weights, columns, axis=1)
    indptr = np.arange(0, weights.shape[0] * n + 1, n)
    pruned = sp.csr_matrix((values.ravel(), columns.ravel(), indptr), shape=weights.shape)
    pruned.sort_indices()
    return pruned
