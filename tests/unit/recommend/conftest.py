"""Tiny interaction matrices with an obvious answer."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from marquee.recommend.interactions import Interactions, build

# Two tastes: 12 "drama" rows share items 0-3 (three of the four each), 20 "comedy" rows share
# items 4-8 (four of the five each), so comedies are the more popular.
DRAMA = [0, 1, 2, 3]
COMEDY = [4, 5, 6, 7, 8]


@pytest.fixture(scope="session")
def tastes() -> Interactions:
    users, items = [], []
    for row in range(12):
        for n, item in enumerate(DRAMA):
            if n != row % len(DRAMA):
                users.append(row)
                items.append(item)
    for row in range(12, 32):
        for n, item in enumerate(COMEDY):
            if n != row % len(COMEDY):
                users.append(row)
                items.append(item)
    countries = ["FR"] * 12 + ["JP"] * 20
    return build(
        users,
        items,
        np.arange(1, len(users) + 1),
        n_users=32,
        item_ids=[f"t{i}" for i in range(9)],
        countries=countries,
    )


def row(items: list[int], n_items: int = 9) -> sp.csr_matrix:
    """A profile's row: its items, the later ones more recent."""
    return sp.csr_matrix(
        (np.arange(1, len(items) + 1, dtype=np.float64), ([0] * len(items), items)),
        shape=(1, n_items),
    )
