"""Browse rows ordered by the profile's scores of their leading titles."""

from __future__ import annotations

from marquee.discovery.browse import Row, personal_order

SCORES = {"b": 0.1, "c": 0.2, "r": 0.3, "d": 0.0, "n": -0.00003, "zz": 9.0}
ALLOWED = frozenset({"a", "b", "c", "r", "d", "n", "x"})


def row(row_id: str, *ids: str) -> Row:
    return Row(row_id, row_id, "", list(ids))


def order(*rows: Row) -> list[str]:
    return [r.id for r in personal_order(list(rows), SCORES, ALLOWED)]


def test_rows_leading_with_better_scored_titles_come_first() -> None:
    assert order(row("new", "d", "x"), row("top-picks", "r", "c")) == ["top-picks", "new"]


def test_rows_leading_with_the_same_titles_in_another_order_keep_their_order() -> None:
    # 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the last bit as plain float sums
    assert order(row("top-picks", "b", "c", "r"), row("trending", "a", "r", "c", "b")) == [
        "top-picks",
        "trending",
    ]
    assert order(row("trending", "r", "c", "b"), row("top-picks", "b", "c", "r")) == [
        "trending",
        "top-picks",
    ]


def test_titles_the_profile_may_not_see_do_not_weigh() -> None:
    assert order(row("hidden", "zz", "d"), row("seen", "b")) == ["seen", "hidden"]


def test_a_title_scored_under_zero_weighs_as_one_the_model_has_no_opinion_of() -> None:
    # Top Picks ends on a title scored a hair under 0; Trending has a watched (unscored) one
    assert order(row("top-picks", "r", "c", "b", "n"), row("trending", "a", "r", "c", "b")) == [
        "top-picks",
        "trending",
    ]
