"""Territories of licence windows: codes, named regions, country names in feeds."""

from __future__ import annotations

from marquee.catalog.territories import WORLDWIDE, country_code, expand

REGIONS = {"DACH": "DE,AT,CH", "NORDICS": "DK, FI, IS, NO, SE"}


def test_regions_expand_to_their_countries_next_to_plain_codes() -> None:
    codes, unknown = expand(["dach", "FR"], REGIONS)
    assert codes == {"DE", "AT", "CH", "FR"}
    assert unknown == []


def test_world_covers_everywhere() -> None:
    assert expand(["WORLD"], REGIONS) == ({WORLDWIDE}, [])


def test_unknown_codes_and_regions_are_reported_as_given() -> None:
    codes, unknown = expand(["FR", "XX", "Benelux"], REGIONS)
    assert codes == {"FR"}
    assert unknown == ["XX", "Benelux"]


def test_a_region_listing_a_bad_code_reports_it() -> None:
    assert expand(["BAD"], {"BAD": "FR,ZZ"}) == ({"FR"}, ["ZZ"])


def test_country_names_from_public_feeds_map_to_codes() -> None:
    assert country_code("United States") == "US"
    assert country_code("south korea") == "KR"
    assert country_code("West Germany") == "DE"
    assert country_code("gb") == "GB"
    assert country_code("Atlantis") is None
