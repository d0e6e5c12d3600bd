"""Item-item cosine similarity: an item scores the sum of its similarities to the row's items,
each item keeping only its ``neighbours`` most similar others."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from marquee.recommend.interactions import Interactions, Matrix, binary, weighted
from marquee.recommend.models.base import Recommender, item_popularity


class ItemKnn(Recommender):
    family = "itemknn"

    def __init__(
        self, *, item_ids: np.ndarray, popularity: np.ndarray, similarity: sp.csr_matrix
    ) -> None:
        super().__init__(item_ids=item_ids, popularity=popularity)
        self.similarity = similarity

    @classmethod
    def fit(cls, interactions: Interactions, *, neighbours: int = 100) -> Self:
        ones = binary(interactions.matrix)
        norms = np.sqrt(np.asarray(ones.sum(axis=0)).ravel())
        inverse = sp.diags(1.0 / np.maximum(norms, 1.0)).astype(np.float32)
        cosine = (inverse @ (ones.T @ ones) @ inverse).tocsr()
        cosine.setdiag(0.0)
        cosine.eliminate_zeros()
        return cls(
            item_ids=interactions.item_ids,
            popularity=item_popularity(interactions),
            similarity=keep_largest_per_row(cosine, neighbours),
        )

    def _scores(
        self, rows: Matrix, countries: Sequence[str] | None, strength: Matrix | None
    ) -> np.ndarray:
        return np.asarray((weighted(binary(rows), strength) @ self.similarity).todense())

    def _params(self) -> dict[str, Any]:
        return {}

    def _arrays(self) -> dict[str, np.ndarray]:
        return sparse_arrays(self.similarity)

    @classmethod
    def _restore(
        cls, params: dict[str, Any], arrays: dict[str, np.ndarray], *, base: dict[str, np.ndarray]
    ) -> Self:
        n = len(base["item_ids"])
        return cls(**base, similarity=sparse_matrix(arrays, (n, n)))


def sparse_arrays(matrix: sp.csr_matrix) -> dict[str, np.ndarray]:
    """A CSR matrix as the plain arrays an artifact holds."""
    return {"data": matrix.data, "indices": matrix.indices, "indptr": matrix.indptr}


def sparse_matrix(arrays: dict[str, np.ndarray], shape: tuple[int, int]) -> sp.csr_matrix:
    """The CSR matrix of :func:`sparse_arrays`; ``ValueError`` when they do not make one."""
    matrix = sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
    matrix.check_format(full_check=True)
    return matrix


def keep_largest_per_row(matrix: sp.csr_matrix, n: int) -> sp.csr_matrix:
    """``matrix`` with only the ``n`` largest values of each row (row ``i`` holds item ``i``'s
    neighbours: it scores item ``j`` through column ``j``)."""
    kept_rows, kept_columns, kept_values = [], [], []
    for line, (start, end) in enumerate(zip(matrix.indptr[:-1], matrix.indptr[1:], strict=True)):
        values, columns = matrix.data[start:end], matrix.indices[start:end]
        if len(values) > n:
            best = np.argpartition(values, -n)[-n:]
            values, columns = values[best], columns[best]
        kept_rows.append(np.full(len(values), line))
        kept_columns.append(columns)
        kept_values.append(values)
    return sp.csr_matrix(
        (np.concatenate(kept_values), (np.concatenate(kept_rows), np.concatenate(kept_columns))),
        shape=matrix.shape,
        dtype=np.float32,
    )
