"""What a plan change costs for the rest of the period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marquee.billing.lifecycle import prorated

START = datetime(2026, 1, 1, tzinfo=UTC)
END = START + timedelta(days=30)


def test_an_upgrade_half_way_costs_half_the_difference() -> None:
    assert prorated(899, 1999, start=START, end=END, now=START + timedelta(days=15)) == 550


def test_an_upgrade_at_the_start_costs_the_whole_difference_and_at_the_end_nothing() -> None:
    assert prorated(899, 1999, start=START, end=END, now=START) == 1100
    assert prorated(899, 1999, start=START, end=END, now=END + timedelta(days=1)) == 0


def test_a_cheaper_plan_never_costs_a_negative_amount() -> None:
    assert prorated(1999, 899, start=START, end=END, now=START) == 0
