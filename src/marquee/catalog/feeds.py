"""Reading catalog feeds: a CSV in the common public shape (title, type, cast, date_added …) or
JSON Lines of :class:`~marquee.catalog.schemas.TitleRecord`, as rows of records with their line
numbers, or of errors that name what is wrong. :mod:`marquee.catalog.importer` writes them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from pydantic import ValidationError

from marquee.catalog import schemas
from marquee.catalog.ratings import UnknownRating, us_rating
from marquee.catalog.territories import country_code

CSV_COLUMNS = (
    "type",
    "title",
    "director",
    "cast",
    "country",
    "date_added",
    "release_year",
    "rating",
    "duration",
    "listed_in",
    "description",
)
KINDS = {"movie": "movie", "tv show": "series"}
_MINUTES = re.compile(r"^(\d+)\s*min$", re.IGNORECASE)
_SEASONS = re.compile(r"^(\d+)\s*seasons?$", re.IGNORECASE)


class BadFile(ValueError):
    """The file as a whole cannot be read (not one bad row)."""


@dataclass(frozen=True)
class Row:
    line: int
    record: schemas.TitleRecord | None
    error: str | None = None


def read_csv(
    handle: IO[str], *, language: str, territories: list[str], licensor: str
) -> Iterator[Row]:
    """Rows of a CSV feed; each becomes a record, or an error naming the row's first line."""
    reader = csv.DictReader(handle)
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise BadFile(f"missing columns: {', '.join(missing)}")
    line = reader.line_num + 1
    for raw in reader:
        try:
            yield Row(line, csv_record(raw, language, territories, licensor))
        except (ValueError, ValidationError) as exc:
            yield Row(line, None, _message(exc))
        line = reader.line_num + 1


def csv_record(
    raw: Mapping[str, str | None], language: str, territories: list[str], licensor: str
) -> schemas.TitleRecord:
    """One CSV row as Marquee's own record; ValueError says what is wrong with it."""
    row = {k: (v or "").strip() for k, v in raw.items() if k}
    kind = KINDS.get(row["type"].casefold())
    if kind is None:
        raise ValueError(f"type {row['type']!r} is neither 'Movie' nor 'TV Show'")
    if not row["title"]:
        raise ValueError("title is empty")
    year = _year(row["release_year"])
    runtime_s, seasons = _duration(kind, row["duration"])
    return schemas.TitleRecord(
        external_key=csv_key(kind, row["title"], year),
        kind=kind,
        status="published",
        original_title=row["title"],
        original_language=language,
        synopsis=row["description"],
        release_year=year,
        runtime_s=runtime_s,
        genres=_split(row["listed_in"]),
        production_countries=[_country(name) for name in _split(row["country"])],
        credits=[
            *(schemas.CreditRecord(name=n, role="director") for n in _split(row["director"])),
            *(schemas.CreditRecord(name=n, role="actor") for n in _split(row["cast"])),
        ],
        ratings=_rating(row["rating"]),
        windows=[
            schemas.WindowIn(
                territories=territories,
                starts_at=_added(row["date_added"], year),
                licensor=licensor,
            )
        ],
        seasons=[schemas.SeasonRecord(number=n) for n in range(1, seasons + 1)],
    )


def csv_key(kind: str, title: str, year: int) -> str:
    """What a title is known by across feeds: kind, title (case and punctuation aside), year."""
    words = re.sub(r"\W+", "-", title.casefold()).strip("-") or title.casefold()
    return f"csv:{kind}:{words}:{year}"


def read_jsonl(handle: IO[str]) -> Iterator[Row]:
    for number, text in enumerate(handle, start=1):
        if text.strip():
            try:
                yield Row(number, schemas.TitleRecord.model_validate_json(text))
            except ValidationError as exc:
                yield Row(number, None, _message(exc))


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        text = str(first["msg"]).removeprefix("Value error, ")
        return f"{where}: {text}" if where else text
    return str(exc)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _year(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"release_year {text!r} is not a year")
    return int(text)


def _duration(kind: str, text: str) -> tuple[int | None, int]:
    """(runtime in seconds, number of seasons) from ``90 min`` or ``2 Seasons``."""
    if not text:
        return None, 0
    pattern = _MINUTES if kind == "movie" else _SEASONS
    found = pattern.match(text)
    if found is None:
        expected = "'N min'" if kind == "movie" else "'N Seasons'"
        raise ValueError(f"duration {text!r} is not {expected}")
    count = int(found.group(1))
    return (count * 60, 0) if kind == "movie" else (None, count)


def _country(name: str) -> str:
    code = country_code(name)
    if code is None:
        raise ValueError(f"country {name!r} is unknown")
    return code


def _rating(text: str) -> list[schemas.RatingRecord]:
    if not text:
        return []
    try:
        system, value = us_rating(text)
    except UnknownRating as exc:
        raise ValueError(f"rating: {exc}") from None
    return [schemas.RatingRecord(territory="US", system=system, value=value)]


def _added(text: str, year: int) -> datetime:
    """``September 25, 2021`` at midnight UTC; an unknown date means 1 January of the year."""
    if not text:
        return datetime(year, 1, 1, tzinfo=UTC)
    try:
        return datetime.strptime(text, "%B %d, %Y").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"date_added {text!r} is not like 'September 25, 2021'") from None
