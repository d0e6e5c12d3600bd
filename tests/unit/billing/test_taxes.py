"""Taxes by country, from the rates data."""

from __future__ import annotations

from marquee.billing.taxes import rate_for, taxed


def test_an_inclusive_country_shows_the_total_and_an_exclusive_one_the_price() -> None:
    germany, canada = rate_for("de"), rate_for("CA")
    assert germany is not None
    assert canada is not None
    assert (germany.name, germany.rate, germany.inclusive) == ("VAT", "0.19", True)
    assert taxed(1399, germany).model_dump() == {
        "net": 1399,
        "tax": 266,
        "total": 1665,
        "shown": 1665,
    }
    assert taxed(1399, canada).model_dump() == {
        "net": 1399,
        "tax": 70,
        "total": 1469,
        "shown": 1399,
    }


def test_a_country_without_a_known_rate_has_none() -> None:
    assert rate_for("ZZ") is None
