"""The user × item interaction matrix every model is fitted on, and the weights drawn from it.

A matrix's value is *when* the user last interacted with the item (seconds since the epoch,
always > 0), not a weight: models that ignore time read it as 1, the recency-weighted ones rank a
row's items by it. A profile's current history, folded in at scoring time, is one such row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import scipy.sparse as sp

Matrix: TypeAlias = sp.csr_matrix


@dataclass(frozen=True)
class Interactions:
    """Who interacted with what, and when; ``countries`` names each row's country ("" unknown);
    ``strength`` how much each interaction counts, where not all count 1 (the same pairs as
    ``matrix``, each > 0: a search click counts less than a play)."""

    matrix: Matrix
    item_ids: np.ndarray
    countries: np.ndarray | None = None
    strength: Matrix | None = None

    @property
    def n_items(self) -> int:
        return int(self.matrix.shape[1])


def build(
    users: Sequence[int],
    items: Sequence[int],
    times: Sequence[float] | np.ndarray,
    *,
    n_users: int,
    item_ids: Sequence[str],
    countries: Sequence[str] | None = None,
    strengths: Sequence[float] | np.ndarray | None = None,
) -> Interactions:
    """An :class:`Interactions` from parallel (row, column, time) lists and, optionally, how
    much each counts; a repeated pair keeps its latest time and its greatest strength. Times
    and strengths must be > 0 (a zero would vanish from the sparse matrix)."""
    when = np.asarray(times, dtype=np.float64)
    if when.size and when.min() <= 0:
        raise ValueError("interaction times must be > 0 (seconds since the epoch)")
    pairs = (np.asarray(users, dtype=np.int64), np.asarray(items, dtype=np.int64))
    shape = (n_users, len(item_ids))
    strength = None
    if strengths is not None:
        counts = np.asarray(strengths, dtype=np.float64)
        if counts.size and counts.min() <= 0:
            raise ValueError("interaction strengths must be > 0")
        strength = _greatest_per_pair(sp.coo_matrix((counts, pairs), shape=shape))
    return Interactions(
        matrix=_greatest_per_pair(sp.coo_matrix((when, pairs), shape=shape)),
        item_ids=np.asarray(item_ids, dtype=str),
        countries=None if countries is None else np.asarray(countries, dtype=str),
        strength=strength,
    )


def _greatest_per_pair(coo: sp.coo_matrix) -> Matrix:
    """A CSR matrix keeping the greatest value of each repeated (row, column) pair (COO → CSR
    would add them up)."""
    order = np.lexsort((-coo.data, coo.col, coo.row))
    row, col, data = coo.row[order], coo.col[order], coo.data[order]
    first = np.ones(len(row), dtype=bool)
    first[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
    return sp.csr_matrix((data[first], (row[first], col[first])), shape=coo.shape)


def binary(matrix: Matrix) -> Matrix:
    """The matrix with every interaction as 1.0 (float32: what the models compute in)."""
    ones = matrix.astype(np.float32, copy=True)
    ones.data[:] = 1.0
    return ones


def weighted(weights: Matrix, strength: Matrix | None) -> Matrix:
    """``weights`` (a row's fold-in, or the training matrix made binary) times each
    interaction's strength; unchanged without strengths."""
    if strength is None:
        return weights
    return sp.csr_matrix(weights.multiply(strength), dtype=np.float32)


def recency_weights(matrix: Matrix, *, half_life: float, floor: float) -> Matrix:
    """Each row's items weighted by how recent they are within the row: the latest weighs
    ``1 + floor``, and the weight of the n-th latest halves every ``half_life`` items down to
    ``floor``. Ranks, not ages: a profile idle for a year still has a latest title."""
    weighted = matrix.astype(np.float32, copy=True)
    for start, end in zip(matrix.indptr[:-1], matrix.indptr[1:], strict=True):
        if end > start:
            rank = np.argsort(np.argsort(-matrix.data[start:end], kind="stable"), kind="stable")
            weighted.data[start:end] = floor + 0.5 ** (rank / half_life)
    return weighted


def row_items(matrix: Matrix) -> list[np.ndarray]:
    """The columns each row has interacted with: what recommending to that row excludes."""
    return [
        matrix.indices[start:end]
        for start, end in zip(matrix.indptr[:-1], matrix.indptr[1:], strict=True)
    ]
