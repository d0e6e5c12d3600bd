"""Rows of a CSV feed in the common public shape become Marquee's title records."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from marquee.catalog.feeds import BadFile, csv_key, csv_record, read_csv

HEADER = (
    "type,title,director,cast,country,date_added,release_year,rating,duration,listed_in,"
    "description\n"
)
MOVIE = (
    'Movie,Night Train,Ana Ruiz,"Lee Min, Jo Park","Spain, United States",'
    '"September 25, 2021",2020,PG-13,90 min,"Dramas, Thrillers",A train at night.\n'
)


OPTIONS: dict[str, Any] = {"language": "en", "territories": ["WORLD"], "licensor": "Feed"}


def _row(**changes: str) -> dict[str, str]:
    values = dict(zip(HEADER.strip().split(","), next(csv.reader([MOVIE])), strict=True))
    return {**values, **changes}


def test_a_movie_row_keeps_everything_the_feed_says() -> None:
    record = csv_record(_row(), "en", ["WORLD"], "Feed")
    assert (record.kind, record.original_title, record.release_year) == (
        "movie",
        "Night Train",
        2020,
    )
    assert record.runtime_s == 90 * 60
    assert record.production_countries == ["ES", "US"]
    assert record.genres == ["Dramas", "Thrillers"]
    assert [(c.name, c.role) for c in record.credits] == [
        ("Ana Ruiz", "director"),
        ("Lee Min", "actor"),
        ("Jo Park", "actor"),
    ]
    assert [(r.territory, r.system, r.value) for r in record.ratings] == [("US", "MPA", "PG-13")]
    window = record.windows[0]
    assert window.starts_at == datetime(2021, 9, 25, tzinfo=UTC)
    assert (window.territories, window.ends_at, window.licensor) == (["WORLD"], None, "Feed")


def test_a_show_row_becomes_a_series_with_its_seasons() -> None:
    record = csv_record(
        _row(type="TV Show", duration="3 Seasons", rating="TV-MA"), "en", ["WORLD"], ""
    )
    assert record.kind == "series"
    assert [s.number for s in record.seasons] == [1, 2, 3]
    assert record.ratings[0].system == "US-TV"


def test_without_a_date_added_the_window_opens_with_the_release_year() -> None:
    record = csv_record(_row(date_added=""), "en", ["FR"], "")
    assert record.windows[0].starts_at == datetime(2020, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"type": "Podcast"}, "neither 'Movie' nor 'TV Show'"),
        ({"title": " "}, "title is empty"),
        ({"release_year": "soon"}, "not a year"),
        ({"duration": "2 Seasons"}, "is not 'N min'"),
        ({"rating": "74 min"}, "'74 min' is not a MPA rating"),
        ({"country": "Atlantis"}, "country 'Atlantis' is unknown"),
        ({"date_added": "yesterday"}, "date_added 'yesterday'"),
    ],
)
def test_a_bad_row_says_what_is_wrong(changes: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        csv_record(_row(**changes), "en", ["WORLD"], "")


def test_rows_are_numbered_by_the_line_they_start_on() -> None:
    text = HEADER + 'Movie,"Two\nLines",,,,,2001,,,,x\n' + "Show,Bad,,,,,2001,,,,x\n" + MOVIE
    rows = list(read_csv(io.StringIO(text), **OPTIONS))
    assert [(row.line, row.error is None) for row in rows] == [(2, True), (4, False), (5, True)]


def test_a_file_without_the_columns_is_refused_whole() -> None:
    with pytest.raises(BadFile, match="missing columns: cast"):
        list(read_csv(io.StringIO(HEADER.replace("cast,", "")), **OPTIONS))


def test_the_key_ignores_case_and_punctuation_but_not_kind_or_year() -> None:
    assert csv_key("movie", "Night Train!", 2020) == csv_key("movie", "night  train", 2020)
    assert csv_key("movie", "Night Train", 2020) != csv_key("series", "Night Train", 2020)
    assert csv_key("movie", "Night Train", 2020) != csv_key("movie", "Night Train", 2021)
