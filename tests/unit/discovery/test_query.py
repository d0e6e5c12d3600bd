"""How search text becomes words, typo budgets and stemmed fields."""

from __future__ import annotations

import pytest

from marquee.discovery import query


def test_words_are_folded_and_punctuation_dropped() -> None:
    assert query.words("  Amélie,  L'ÉTÉ! ") == ["amelie", "l", "ete"]


@pytest.mark.parametrize(
    ("word", "typos"), [("star", 0), ("stars", 1), ("stranger", 1), ("starlights", 2)]
)
def test_longer_words_allow_more_typos(word: str, typos: int) -> None:
    assert query.typos_allowed(word) == typos


def test_stemmed_fields_follow_the_viewer_languages() -> None:
    assert query.stemmed_fields(["fr-CA", "fr", "de"]) == ["fr", "de"]
    assert query.stemmed_fields(["ja"]) == ["en"]


def test_text_without_words_is_no_query() -> None:
    assert query.build(" ?! ", ["en"]) is None
