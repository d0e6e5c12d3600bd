"""Every named model: what it recommends to a profile, new or not, and what it never does."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from marquee.recommend.interactions import Interactions, binary, build
from marquee.recommend.models import MODELS, fit
from marquee.recommend.models.ease import Ease, inverse_in_place, mirror_upper
from marquee.recommend.models.recency import RecencyEase
from tests.unit.recommend.conftest import COMEDY, DRAMA, row

PERSONAL = [name for name in MODELS if name != "popularity"]


@pytest.mark.parametrize("name", PERSONAL)
def test_a_profile_gets_what_its_items_are_watched_with_first(
    name: str, tastes: Interactions
) -> None:
    model = fit(name, tastes)

    top = model.recommend(row([0, 1]), 2, exclude=[0, 1])

    assert set(top) == {2, 3}, f"{name} ranks the other dramas first, not {top}"


@pytest.mark.parametrize("name", list(MODELS))
def test_excluded_items_are_never_recommended(name: str, tastes: Interactions) -> None:
    model = fit(name, tastes)

    everything = model.recommend(row([0, 1]), 9, exclude=[0, 1, 2])

    assert sorted(everything) == [3, 4, 5, 6, 7, 8]


@pytest.mark.parametrize("name", list(MODELS))
def test_a_new_profile_gets_the_most_popular_items(name: str, tastes: Interactions) -> None:
    model = fit(name, tastes)

    top = model.recommend(row([]), 5)

    assert set(top) == set(COMEDY), f"{name} gives a new profile {top}"


def test_popularity_is_per_country_where_the_country_has_interactions(
    tastes: Interactions,
) -> None:
    model = fit("popularity", tastes)

    assert set(model.recommend(row([]), 4, country="FR")) == set(DRAMA)
    assert set(model.recommend(row([]), 5, country="JP")) == set(COMEDY)
    assert set(model.recommend(row([]), 5, country="BR")) == set(COMEDY)


def test_recency_weighted_ease_follows_what_the_profile_watched_last(
    tastes: Interactions,
) -> None:
    model = RecencyEase.fit(tastes, half_life=1.0, floor=0.0)

    drama_then_comedy = model.recommend(row([0, 1, 4, 5]), 3, exclude=[0, 1, 4, 5])
    comedy_then_drama = model.recommend(row([4, 5, 0, 1]), 2, exclude=[0, 1, 4, 5])

    assert set(drama_then_comedy) == {6, 7, 8}
    assert set(comedy_then_drama) == {2, 3}


def test_a_relaxed_diagonal_is_rdlaes_closed_form(tastes: Interactions) -> None:
    l2, relax = 5.0, 0.3
    gram = (binary(tastes.matrix).T @ binary(tastes.matrix)).toarray().astype(np.float64)
    inverse = np.linalg.inv(gram + l2 * np.eye(9))
    expected = -inverse * np.maximum(l2, (1 - relax) / np.diag(inverse))[None, :]
    np.fill_diagonal(expected, 0.0)

    model = Ease.fit(tastes, l2=l2, relax=relax)

    assert np.allclose(model.weights, expected, atol=1e-5)
    assert not np.allclose(Ease.fit(tastes, l2=l2).weights, expected, atol=1e-5)


@pytest.mark.parametrize("order", ["C", "F"])
def test_the_inverse_takes_no_more_memory_than_the_gram_matrix(order: str) -> None:
    factors = np.random.default_rng(2).random((40, 12))
    gram = np.asarray(factors @ factors.T, dtype=np.float32, order=order)
    expected = np.linalg.inv(gram.astype(np.float64) + 3.0 * np.eye(40))

    inverse = inverse_in_place(gram, np.full(40, 3.0))

    assert np.allclose(inverse, expected, atol=1e-5)
    assert np.shares_memory(inverse, gram), "LAPACK worked in the Gram matrix, no copy"
    assert inverse.flags.c_contiguous, "rows in order for a profile's scores"


def test_the_upper_triangle_is_mirrored_across_blocks() -> None:
    upper = np.triu(np.random.default_rng(3).random((20, 20)))
    matrix = upper + np.tril(np.full((20, 20), 9.0), -1)

    mirror_upper(matrix, block=7)

    assert np.array_equal(matrix, upper + np.triu(upper, 1).T)


@pytest.mark.parametrize("name", PERSONAL)
def test_a_weaker_interaction_adds_less_to_a_profiles_scores(
    name: str, tastes: Interactions
) -> None:
    model = fit(name, tastes)
    both = row([0, 1, 4, 5])
    weak_comedy = sp.csr_matrix(([1.0, 1.0, 0.2, 0.2], ([0] * 4, [0, 1, 4, 5])), shape=(1, 9))
    weak_drama = sp.csr_matrix(([0.2, 0.2, 1.0, 1.0], ([0] * 4, [0, 1, 4, 5])), shape=(1, 9))

    drama_first = model.recommend(both, 2, exclude=[0, 1, 4, 5], strength=weak_comedy)
    comedy_first = model.recommend(both, 3, exclude=[0, 1, 4, 5], strength=weak_drama)

    assert set(drama_first) == {2, 3}, f"{name}: {drama_first}"
    assert set(comedy_first) == {6, 7, 8}, f"{name}: {comedy_first}"


def test_a_repeated_interaction_keeps_its_greatest_strength() -> None:
    built = build(
        [0, 0, 1], [1, 1, 2], [5.0, 9.0, 7.0], n_users=2, item_ids="abc", strengths=[1, 0.5, 0.5]
    )

    assert built.strength is not None
    assert built.strength.toarray().tolist() == [[0, 1, 0], [0, 0, 0.5]]


def test_a_repeated_interaction_keeps_its_latest_time() -> None:
    built = build([0, 0, 0], [1, 1, 2], [5.0, 9.0, 7.0], n_users=1, item_ids=["a", "b", "c"])

    assert built.matrix.toarray().tolist() == [[0.0, 9.0, 7.0]]


def test_an_interaction_without_a_time_is_refused() -> None:
    with pytest.raises(ValueError, match="> 0"):
        build([0], [0], [0.0], n_users=1, item_ids=["a"])


def test_scores_of_a_row_of_the_wrong_width_are_refused(tastes: Interactions) -> None:
    model = fit("ease", tastes)

    with pytest.raises(ValueError, match="8 items, the model 9"):
        model.score(row([0], n_items=8))


def test_ease_models_only_the_most_popular_items_when_told_to(tastes: Interactions) -> None:
    model = Ease.fit(tastes, max_items=5)

    assert np.array_equal(model.columns, COMEDY)
    assert set(model.recommend(row([4, 5]), 3, exclude=[4, 5])) == {6, 7, 8}
