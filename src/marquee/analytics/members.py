"""Per-member figures over the lake, for experiments: one row per viewer (account) or profile
pseudonym, each metric as one number per member so that variants can be compared by their
members' means. A member with no plays has 0 plays, hours and active days, and no completion,
startup or rebuffering figure (null: nothing to average)."""

from __future__ import annotations

from marquee.analytics.reports import HEARTBEAT_S

#: The metrics, in the order of the query's columns after the member.
METRICS = (
    "plays_per_member",
    "viewing_hours_per_member",
    "completion_rate",
    "startup_ms",
    "rebuffer_ratio",
    "active_days",
)
COLUMNS = {"profile": "profile", "account": "viewer"}

SQL = """
WITH mine AS (
    SELECT {member} AS member, * FROM events
    WHERE {member} IN (SELECT unnest($members)) AND "at" >= $since::TIMESTAMPTZ
        AND "at" < $until::TIMESTAMPTZ
), sessions AS (
    SELECT member, session_id,
           count(*) FILTER (WHERE kind = 'session_started') AS started,
           count(*) FILTER (WHERE kind = 'heartbeat' AND state = 'playing') AS beats,
           sum(played_ms) AS played_ms, max(position_s) AS furthest, max(duration_s) AS duration_s
    FROM mine WHERE session_id IS NOT NULL GROUP BY member, session_id
), viewing AS (
    SELECT member, sum(started) AS plays,
           sum(coalesce(nullif(played_ms, 0) / 1000.0, beats * {beat}, 0)) / 3600 AS hours,
           avg(CASE WHEN duration_s > 0 THEN (furthest >= 0.9 * duration_s)::INT END)
               AS completion_rate
    FROM sessions GROUP BY member
), quality AS (
    SELECT member, avg(startup_ms) FILTER (WHERE kind = 'startup') AS startup_ms,
           coalesce(sum(stall_ms), 0)
               / nullif(coalesce(sum(stall_ms), 0) + coalesce(sum(played_ms), 0), 0)
               AS rebuffer_ratio,
           count(DISTINCT CAST("at" AS DATE)) AS active_days
    FROM mine GROUP BY member
)
SELECT q.member, coalesce(v.plays, 0), coalesce(v.hours, 0), v.completion_rate, q.startup_ms,
       q.rebuffer_ratio, q.active_days
FROM quality q LEFT JOIN viewing v USING (member)
"""


def sql_of(unit: str) -> str:
    """The query for members counted by ``unit`` (``profile`` or ``account``); the caller binds
    ``members`` (pseudonyms), ``since`` and ``until``."""
    return SQL.format(member=COLUMNS[unit], beat=HEARTBEAT_S)
