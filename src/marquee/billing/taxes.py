"""Taxes on a plan's price by the viewer's country, from ``data/tax_rates.json`` (data an
operator edits, not code). A plan's price is the amount before tax; where prices are shown
with the tax in them (``inclusive``) the viewer sees the total, elsewhere the price and the
tax added at checkout. Amounts are minor units, rounded half up to the unit."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources

from marquee.billing import schemas


@cache
def _rates() -> dict[str, dict[str, object]]:
    text = resources.files("marquee.billing").joinpath("data/tax_rates.json").read_text()
    return {code: rate for code, rate in json.loads(text).items() if not code.startswith("_")}


def rate_for(country: str) -> schemas.TaxRate | None:
    """The country's rate (ISO 3166-1 code, any case), or None where none is known."""
    known = _rates().get(country.upper())
    return None if known is None else schemas.TaxRate(country=country.upper(), **known)


def taxed(amount: int, rate: schemas.TaxRate) -> schemas.TaxedPrice:
    tax = int((Decimal(amount) * Decimal(rate.rate)).quantize(Decimal(1), ROUND_HALF_UP))
    return schemas.TaxedPrice(
        net=amount, tax=tax, total=amount + tax, shown=amount + tax if rate.inclusive else amount
    )


def charged(price: int, country: str | None) -> int:
    """What a customer in ``country`` pays for ``price`` (before tax): the price and its tax."""
    rate = None if country is None else rate_for(country)
    return price if rate is None else taxed(price, rate).total


def contained(total: int, rate: str) -> int:
    """The tax inside an amount charged with the tax in it, at ``rate`` (e.g. ``"0.19"``)."""
    net = (Decimal(total) / (1 + Decimal(rate))).quantize(Decimal(1), ROUND_HALF_UP)
    return total - int(net)
