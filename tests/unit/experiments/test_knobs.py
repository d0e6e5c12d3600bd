"""The knobs' values are checked when an experiment is defined, so a bad one never runs."""

from __future__ import annotations

import pytest

from marquee.experiments.definitions import check_variants
from marquee.experiments.errors import BadExperiment
from marquee.experiments.schemas import Variant


def variants(treated: dict[str, object], control: dict[str, object] | None = None) -> list[Variant]:
    return [
        Variant(key="control", weight=50, parameters=control or {}),
        Variant(key="treated", weight=50, parameters=treated),
    ]


@pytest.mark.parametrize(
    ("treated", "words"),
    [
        ({"row_order": ["trending", "hot"]}, "'row_order'"),
        ({"recommend_model": "newest"}, "'recommend_model'"),
        ({"settings": {"database_url": "sqlite://"}}, "database_url may not be overridden"),
        ({"settings": {"discovery_row_size": 0}}, "'discovery_row_size'"),
        ({"abr_parameters": {"safety": 2}}, "'abr_parameters'"),
        ({"abr": "shaka"}, "every variant must name 'abr'"),
    ],
)
def test_a_bad_knob_value_is_refused(treated: dict[str, object], words: str) -> None:
    with pytest.raises(BadExperiment) as refused:
        check_variants(variants(treated))
    assert words in str(refused.value.detail)


def test_good_knob_values_pass() -> None:
    check_variants(
        variants(
            {
                "row_order": ["new-releases", "top-picks"],
                "recommend_model": "popularity",
                "artwork": "bold",
                "settings": {"discovery_row_size": 12},
                "abr": "shaka",
                "abr_parameters": {"safety": 0.7, "reserve_s": 6},
                "anything": {"clients": "read"},
            },
            control={"abr": "marquee"},
        )
    )
