"""Popularity: the items most rows interacted with, per country where the rows have one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np

from marquee.recommend.interactions import Interactions, Matrix, binary
from marquee.recommend.models.base import Recommender, item_popularity


class Popularity(Recommender):
    """Counts of interactions per item, globally and per country; a row whose country has no
    counts (or has none) gets the global ones. A profile's history does not change them."""

    family = "popularity"

    def __init__(
        self,
        *,
        item_ids: np.ndarray,
        popularity: np.ndarray,
        countries: np.ndarray,
        by_country: np.ndarray,
    ) -> None:
        super().__init__(item_ids=item_ids, popularity=popularity)
        self.countries = countries
        self.by_country = by_country
        self._country_line = {str(code): line for line, code in enumerate(countries)}

    @classmethod
    def fit(cls, interactions: Interactions) -> Self:
        ones = binary(interactions.matrix)
        codes: list[str] = (
            [] if interactions.countries is None else list(np.unique(interactions.countries))
        )
        known = np.array([code for code in codes if code], dtype=str)
        by_country = np.zeros((len(known), interactions.n_items), dtype=np.float64)
        for line, code in enumerate(known):
            rows = np.flatnonzero(interactions.countries == code)
            by_country[line] = np.asarray(ones[rows].sum(axis=0)).ravel()
        return cls(
            item_ids=interactions.item_ids,
            popularity=item_popularity(interactions),
            countries=known,
            by_country=by_country,
        )

    def _scores(
        self, rows: Matrix, countries: Sequence[str] | None, strength: Matrix | None
    ) -> np.ndarray:
        codes = countries or [""] * rows.shape[0]
        lines = [self._country_line.get(code) for code in codes]
        return np.stack([self.popularity if n is None else self.by_country[n] for n in lines])

    def _params(self) -> dict[str, Any]:
        return {}

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"countries": self.countries, "by_country": self.by_country}

    @classmethod
    def _restore(
        cls, params: dict[str, Any], arrays: dict[str, np.ndarray], *, base: dict[str, np.ndarray]
    ) -> Self:
        return cls(**base, countries=arrays["countries"], by_country=arrays["by_country"])
