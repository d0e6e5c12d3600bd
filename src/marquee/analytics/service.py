"""Analytics' public face: accepting a player's telemetry, feeding the lake, the reports, and
the lake's upkeep. Public functions take the database session (or the platform's plumbing,
for what reads and writes the lake) first, the rest by keyword."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pyarrow as pa
from sqlalchemy.orm import Session

from marquee.analytics import lake, members, qoe_metrics, query, reports, startup, upkeep
from marquee.analytics.errors import (
    BadReportQuery,
    TelemetryRateLimited,
    TooManyEvents,
    UnknownReport,
)
from marquee.analytics.events import TELEMETRY_RECEIVED, TelemetryReceived
from marquee.analytics.rows import Pseudonyms, Row, as_table
from marquee.analytics.schemas import Report, StartupThroughput, TelemetryBatch
from marquee.catalog import service as catalog
from marquee.kit.cache import Cache, spread
from marquee.kit.events import publish
from marquee.kit.plumbing import Plumbing
from marquee.playback import service as playback
from marquee.settings import Settings

RATE_PREFIX = "analytics:telemetry:"
RATE_WINDOW_S = 60.0
STARTUP_PREFIX = "analytics:startup-throughput:"
#: How long a country's first-throughput answer is kept (the figure moves over days, not minutes).
STARTUP_TTL_S = 600.0
REPORTS = tuple(reports.SPECS)
MEMBER_METRICS = members.METRICS


def accept_telemetry(
    session: Session,
    *,
    settings: Settings,
    cache: Cache,
    account_id: str,
    session_id: str,
    batch: TelemetryBatch,
) -> int:
    """Take a batch of the player's telemetry for one of the account's sessions (404 for
    another's, 413 past the batch size, 429 past the rate); it reaches the lake after commit."""
    limit = settings.analytics_telemetry_max_events
    if len(batch.events) > limit:
        raise TooManyEvents(len(batch.events), limit)
    facts = playback.session_of_account(session, account_id=account_id, session_id=session_id)
    _count_batch(cache, session_id, limit=settings.analytics_telemetry_limit)
    publish(session, TELEMETRY_RECEIVED, TelemetryReceived(session=facts, events=batch.events))
    qoe_metrics.observe(settings, facts.territory, batch.events)
    return len(batch.events)


def _count_batch(cache: Cache, session_id: str, *, limit: int) -> None:
    """A fixed window per session, counted in the shared cache like identity's limits."""
    key = f"{RATE_PREFIX}{session_id}"
    if cache.incr(key, ttl_s=RATE_WINDOW_S) > limit:
        raise TelemetryRateLimited(cache.ttl(key) or RATE_WINDOW_S)


def pseudonyms(settings: Settings) -> Pseudonyms:
    return Pseudonyms(settings.secret())


def write_rows(platform: Plumbing, rows: list[Row]) -> int:
    """Append rows to the lake (a row whose id is already there is counted once by every
    reader); how many were written."""
    return write_table(platform, as_table(rows))


def write_table(platform: Plumbing, table: pa.Table) -> int:
    """:func:`write_rows` for rows already in an Arrow table of :data:`~.rows.SCHEMA`."""
    written = lake.append(platform.db, platform.storage, table)
    if written.erased:  # an erasure raced the batch, or the batch came again after one
        upkeep.erase_viewer(platform.db, platform.storage, written.erased, days=written.days)
    return written.rows


def report(
    platform: Plumbing,
    *,
    name: str,
    first: date,
    last: date,
    group_by: list[str] | None = None,
    country: str | None = None,
    title_id: str | None = None,
) -> Report:
    """One report over the days ``first``..``last`` (both included), cut by ``group_by``."""
    if name not in REPORTS:
        raise UnknownReport(name, list(REPORTS))
    if first > last:
        raise BadReportQuery(f"from ({first}) is after to ({last}).")
    if last >= date.max:
        raise BadReportQuery(f"to ({last}) must be before {date.max}.")
    spec = reports.SPECS[name]
    groups = tuple(group_by or spec.default_group)
    if unknown := [g for g in groups if g not in spec.groups]:
        raise BadReportQuery(
            f"The {name} report cannot be grouped by {', '.join(unknown)}; "
            f"it can by {', '.join(spec.groups)}."
        )
    filters: dict[str, Any] = {"country": country, "title_id": title_id}
    bound = {key: value for key, value in filters.items() if value}
    sql = reports.sql_of(
        name,
        tuple(dict.fromkeys(groups)),
        regions=platform.settings.delivery_country_regions,
        filters=[f"{key} = ${key}" for key in bound],
    )
    columns, rows = query.run(
        platform.db,
        platform.storage,
        sql,
        first=date.min if spec.from_the_start else first,
        last=last,
        parameters=reports.bounds(first, last) | bound,
        tables={"windows": _windows_ending(platform, first, last, country)}
        if name == "content"
        else None,
    )
    return Report.model_validate(
        {
            "report": name,
            "from": first,
            "to": last,
            "group_by": list(dict.fromkeys(groups)),
            "rows": [dict(zip(columns, row, strict=True)) for row in rows],
        }
    )


def _windows_ending(platform: Plumbing, first: date, last: date, country: str | None) -> pa.Table:
    """The catalog's licence windows ending in the days ``first``..``last``, as
    :data:`~.reports.WINDOWS` (a window for everywhere counts in the country asked for)."""
    start = datetime.combine(first, time(), UTC)
    with platform.db.sessions() as session:
        ending = catalog.windows_ending(
            session, start=start, end=start + timedelta(days=(last - first).days + 1)
        )
    rows = [
        {"window_id": w.id, "title_id": w.title_id, "country": code, "at": w.ends_at}
        for w in ending
        for code in w.countries
    ]
    if country:
        rows = [row | {"country": country} if row["country"] == "*" else row for row in rows]
    return pa.Table.from_pylist(rows, schema=reports.WINDOWS)


def member_metrics(
    platform: Plumbing, *, unit: str, ids: list[str], first: date, last: date
) -> dict[str, dict[str, float | None]]:
    """Each member's :data:`MEMBER_METRICS` over the days ``first``..``last`` (experiments
    compare variants by them), by the account or profile id given (``unit``); members with no
    row in the lake are left out (they watched nothing)."""
    if not ids:
        return {}
    names = pseudonyms(platform.settings)
    by_name = {names.of(identifier): identifier for identifier in ids}
    _columns, rows = query.run(
        platform.db,
        platform.storage,
        members.sql_of(unit),
        first=first,
        last=last,
        parameters=reports.bounds(first, last) | {"members": list(by_name)},
    )
    return {
        by_name[row[0]]: dict(zip(MEMBER_METRICS, (_number(v) for v in row[1:]), strict=True))
        for row in rows
    }


def startup_throughput(platform: Plumbing, *, country: str) -> StartupThroughput:
    """What recent sessions from ``country`` (else its delivery region) measured, for a player
    with no throughput of its own yet; kept :data:`STARTUP_TTL_S` in the shared cache."""
    key = f"{STARTUP_PREFIX}{country}"
    if (kept := platform.cache.get(key)) is not None:
        return StartupThroughput.model_validate_json(kept)
    answer = _startup_throughput(platform, country)
    platform.cache.set(key, answer.model_dump_json(), ttl_s=spread(STARTUP_TTL_S))
    return answer


def _startup_throughput(platform: Plumbing, country: str) -> StartupThroughput:
    countries = startup.region_of(country, platform.settings.delivery_country_regions)
    first, last = startup.period(datetime.now(UTC).date())
    _columns, rows = query.run(
        platform.db,
        platform.storage,
        startup.SQL,
        first=first,
        last=last,
        parameters={"countries": countries},
    )
    # No session at all still gives the region's row, with no figure: left out.
    found = {code: (int(sessions), float(kbps)) for code, sessions, kbps in rows if sessions}
    own = found.get(country, (0, 0.0))
    region = found.get(None, (0, 0.0)) if len(countries) > 1 else (0, 0.0)
    for scope, (sessions, kbps) in (("country", own), ("region", region)):
        if sessions >= startup.MIN_SESSIONS:
            return StartupThroughput(
                country=country, scope=scope, throughput_kbps=round(kbps), sessions=sessions
            )
    return StartupThroughput(country=country, scope=None, throughput_kbps=None, sessions=own[0])


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def report_csv(answer: Report) -> str:
    """The report's rows as CSV, a header line of the columns first."""
    out = io.StringIO()
    columns = list(answer.rows[0]) if answer.rows else list(answer.group_by)
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(answer.rows)
    return out.getvalue()


def erase_people(platform: Plumbing, *, ids: list[str]) -> int:
    """Remove the rows of these accounts and profiles from the lake; the rows removed."""
    names = pseudonyms(platform.settings)
    return upkeep.erase_viewer(platform.db, platform.storage, [names.of(i) for i in ids])


def tidy_lake(platform: Plumbing) -> tuple[int, int]:
    """Delete the days past the retention and compact the small files; (files expired, days
    compacted)."""
    settings = platform.settings
    expired = upkeep.expire(platform.db, platform.storage, settings)
    compacted = upkeep.compact(
        platform.db, platform.storage, min_files=settings.analytics_compact_min_files
    )
    return expired, compacted
