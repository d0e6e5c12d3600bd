"""A first throughput for a player that has measured none: what recent sessions from the
viewer's country, else its delivery region, measured (issue 23 item 2).

The web player picks its first rendition from the device's own last measurement; a new device
has none, and Shaka's fixed guess (1 Mbit/s) starts most viewers below what their network
carries. The lake holds every session's throughput samples (the player's ``sample`` telemetry,
every 10 s): the median over recent sessions of each session's median is the figure. Fewer
than :data:`MIN_SESSIONS` sessions say too little; then the answer has no figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

#: Days of the lake looked at, up to today.
DAYS = 7
#: Sessions a figure needs, in the country or else in its region.
MIN_SESSIONS = 5

#: Per country asked and over them all (the region): the sessions and the median of their
#: median throughput.
SQL = """
WITH per_session AS (
    SELECT session_id, any_value(country) AS country, median(throughput_kbps) AS kbps
    FROM events
    WHERE kind = 'sample' AND throughput_kbps > 0 AND country IN (SELECT unnest($countries))
    GROUP BY session_id
)
SELECT country, count(*) AS sessions, median(kbps) AS kbps
FROM per_session GROUP BY GROUPING SETS ((country), ())
"""


def period(today: date) -> tuple[date, date]:
    """The days the figure covers: the last :data:`DAYS`, today included."""
    return today - timedelta(days=DAYS - 1), today


def region_of(country: str, regions: Mapping[str, list[str]]) -> list[str]:
    """``country`` and the countries whose nearest delivery region is its own (the first listed
    in ``delivery_country_regions``), ``country`` first; only it where it has none."""
    nearest = {code: listed[0] for code, listed in regions.items() if listed}
    own = nearest.get(country)
    if own is None:
        return [country]
    return [country, *sorted(c for c, r in nearest.items() if r == own and c not in {country, "*"})]
