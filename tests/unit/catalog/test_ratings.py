"""Ratings per system map to the profile maturity levels."""

from __future__ import annotations

import pytest

from marquee.catalog.ratings import UnknownRating, maturity_of, normalise, us_rating


@pytest.mark.parametrize(
    ("system", "value", "maturity"),
    [
        ("MPA", "G", "kids"),
        ("MPA", "PG", "kids"),
        ("MPA", "PG-13", "teen"),
        ("MPA", "R", "adult"),
        ("MPA", "NC-17", "adult"),
        ("US-TV", "TV-Y7", "kids"),
        ("US-TV", "TV-PG", "kids"),
        ("US-TV", "TV-14", "teen"),
        ("US-TV", "TV-MA", "adult"),
        ("BBFC", "U", "kids"),
        ("BBFC", "12A", "teen"),
        ("BBFC", "15", "teen"),
        ("BBFC", "18", "adult"),
        ("FSK", "6", "kids"),
        ("FSK", "16", "teen"),
        ("FSK", "18", "adult"),
        ("MARQUEE", "7+", "kids"),
        ("MARQUEE", "16+", "teen"),
        ("MARQUEE", "18+", "adult"),
    ],
)
def test_each_rating_needs_its_maturity(system: str, value: str, maturity: str) -> None:
    assert maturity_of(system, value) == maturity


def test_not_rated_is_for_adults() -> None:
    assert maturity_of("mpa", "unrated") == "adult"
    assert normalise("MPA", "UR") == ("MPA", "NR")


def test_unknown_systems_and_values_are_refused_with_the_value_given() -> None:
    with pytest.raises(UnknownRating, match="'74 min' is not a MPA rating"):
        us_rating("74 min")
    with pytest.raises(UnknownRating, match="unknown rating system"):
        normalise("CNC", "U")


def test_us_ratings_without_a_system_are_tv_or_film_by_their_shape() -> None:
    assert us_rating("TV-14") == ("US-TV", "TV-14")
    assert us_rating("pg-13") == ("MPA", "PG-13")
