"""Choosing the language a title is shown in."""

from __future__ import annotations

from marquee.catalog.localize import accept_language, pick

TEXTS = {"fr": "original", "en": "english", "pt-BR": "brazilian", "zh-Hant": "traditional"}


def test_the_exact_tag_wins_over_its_language() -> None:
    assert pick(["pt-br"], TEXTS) == ("pt-BR", "brazilian")


def test_a_region_falls_back_to_the_language_then_to_another_region() -> None:
    assert pick(["en-GB"], TEXTS) == ("en", "english")
    assert pick(["pt-PT"], TEXTS) == ("pt-BR", "brazilian")
    assert pick(["zh-Hant-TW"], TEXTS) == ("zh-Hant", "traditional")


def test_later_preferences_are_tried_before_giving_up() -> None:
    assert pick(["de", "en-US"], TEXTS) == ("en", "english")
    assert pick(["de", "ja"], TEXTS) is None


def test_accept_language_is_ordered_by_quality_then_position() -> None:
    header = "de;q=0.5, fr-CH, en;q=0.8, *;q=0.1, it;q=0"
    assert accept_language(header) == ["fr-CH", "en", "de"]
    assert accept_language(None) == []
    assert accept_language("en;q=abc, fr") == ["fr"]
