"""The reports: SQL over the lake's ``events`` view (:mod:`.query`), one per report name.

Each report names the groups it can be cut by; a row is the group's keys and the metrics
(names are a public contract, docs/analytics.md). Time-based metrics come from the player's
telemetry where it reported (``played_ms``), else from playback's heartbeats (one per 10 s
of playing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa

#: Seconds of playing one ``playing`` heartbeat stands for (the player beats every 10 s).
HEARTBEAT_S = 10
#: A session whose sessions row is all of it: it started and ended that day. Only the others
#: (crossing midnight, or not ended yet) are grouped by session to join their parts, which
#: spares viewing a grouping of every session. (A row the session sends after its end on a
#: later day is left out.)
WHOLE = "started > 0 AND ended > 0"


@dataclass(frozen=True)
class Spec:
    sql: str
    #: The groups it can be cut by, and the SQL of each key (over the report's ``rows``).
    groups: Mapping[str, str]
    default_group: tuple[str, ...]
    #: Whether it reads the lake from its first day (a state at ``from`` needs what came before).
    from_the_start: bool = False
    #: Whether it reads ``sessions`` (already the period's days only) rather than ``events``.
    over_sessions: bool = False
    #: The joins a group needs (SQL for ``{joins}``), made only when grouping by it.
    joins: Mapping[str, str] = field(default_factory=dict)


EVENT_PERIOD = ('"at" >= $since::TIMESTAMPTZ', '"at" < $until::TIMESTAMPTZ')
SESSION_PERIOD = (
    "day >= strftime($since::TIMESTAMPTZ, '%Y-%m-%d')",
    "day < strftime($until::TIMESTAMPTZ, '%Y-%m-%d')",
)
SESSION_GROUPS = {
    "title": "title_id",
    "episode": "episode_id",
    "day": "strftime(started_at, '%Y-%m-%d') AS day",
    "country": "country",
    "device": "device",
}

VIEWING = """
WITH parts AS (
    SELECT * FROM sessions WHERE {where}
), rows AS (
    SELECT session_key, started_at, viewer_key, title_id, episode_id, country, device,
           coalesce(nullif(played_ms, 0) / 1000.0, beats * {beat}, 0) AS played_s,
           CASE WHEN duration_s > 0 THEN (furthest >= 0.9 * duration_s)::INT END AS completed
    FROM parts WHERE {whole}
    UNION ALL
    SELECT session_key, min(started_at), any_value(viewer_key), any_value(title_id),
           any_value(episode_id), any_value(country), any_value(device),
           coalesce(nullif(sum(played_ms), 0) / 1000.0, sum(beats) * {beat}, 0),
           CASE WHEN max(duration_s) > 0
                THEN (max(furthest) >= 0.9 * max(duration_s))::INT END
    FROM parts WHERE NOT ({whole}) GROUP BY session_key HAVING sum(started) > 0
)
SELECT {keys}, count(*) AS plays, count(DISTINCT viewer_key) AS unique_viewers,
       round(sum(played_s) / 3600, 4) AS viewing_hours,
       round(avg(completed), 4) AS completion_rate
FROM rows {joins} GROUP BY ALL ORDER BY plays DESC, {order}
"""
#: The viewer's plan when the session started: their subscription's last change before it,
#: while it lets them watch (``trialing``, ``active``, ``canceled`` to the period's end,
#: ``past_due`` in its grace period); null for viewers without one.
PLAN_AT_START = """
ASOF LEFT JOIN (
    SELECT md5_number_lower(viewer) AS subscriber, "at" AS changed_at,
           CASE WHEN state IN ('trialing', 'active', 'canceled', 'past_due') THEN plan END AS plan
    FROM lake WHERE kind = 'subscription'
) ON subscriber = viewer_key AND changed_at <= started_at
"""

RETENTION = """
WITH per_session AS (
    SELECT session_key, any_value(title_id) AS title_id, any_value(viewer_key) AS viewer_key,
           max(furthest) AS furthest, max(duration_s) AS duration_s
    FROM sessions WHERE {where} GROUP BY session_key
), rows AS (
    SELECT title_id, viewer_key, max(furthest / duration_s) AS reached
    FROM per_session WHERE duration_s > 0 GROUP BY title_id, viewer_key
)
SELECT {keys}, step.pct AS position_pct,
       count(*) FILTER (WHERE reached * 100 >= step.pct) AS unique_viewers,
       round(count(*) FILTER (WHERE reached * 100 >= step.pct) / count(*), 4) AS share
FROM rows CROSS JOIN range(0, 101, 5) AS step(pct)
GROUP BY ALL ORDER BY {order}, position_pct
"""

QUALITY = """
WITH rows AS (
    SELECT *, coalesce(edge, '') AS edge_name, {region} AS region
    FROM sessions WHERE telemetry > 0 AND {where}
)
SELECT {keys},
       quantile_cont(startup_ms, 0.5) AS startup_p50_ms,
       quantile_cont(startup_ms, 0.95) AS startup_p95_ms,
       round(coalesce(sum(stall_ms), 0)
             / nullif(coalesce(sum(stall_ms), 0) + coalesce(sum(played_ms), 0), 0), 6)
           AS rebuffer_ratio,
       round(sum(stalls) / nullif(sum(played_ms) / 3600000.0, 0), 4) AS stalls_per_hour,
       round(sum(bitrate_sum) / nullif(sum(bitrate_n), 0), 1) AS bitrate_kbps,
       round(sum(vmaf_sum) / nullif(sum(vmaf_n), 0), 2) AS vmaf,
       round(count(*) FILTER (WHERE errors > 0) / count(*), 4) AS error_rate
FROM rows GROUP BY ALL ORDER BY {order}
"""

CONTENT = """
WITH titles AS (
    SELECT title_id, min("at") AS added_at FROM events
    WHERE kind = 'title_published' AND {where} GROUP BY title_id
), plays AS (
    SELECT title_id, sum(started) AS plays FROM sessions
    WHERE started > 0 AND {session_where} GROUP BY title_id
), expiring AS (
    SELECT DISTINCT window_id, title_id, "at" FROM windows WHERE {where}
), rows AS (
    SELECT t.title_id, strftime(t.added_at, '%Y-%m-%d') AS day, coalesce(p.plays, 0) AS plays,
           true AS added
    FROM titles t LEFT JOIN plays p USING (title_id)
    UNION ALL
    SELECT title_id, strftime("at", '%Y-%m-%d'), 0, false FROM expiring
)
SELECT {keys}, count(*) FILTER (WHERE added) AS titles_added,
       count(*) FILTER (WHERE added AND plays = 0) AS titles_never_played,
       coalesce(sum(plays), 0) AS plays,
       count(*) FILTER (WHERE NOT added) AS windows_expiring
FROM rows GROUP BY ALL ORDER BY {order}
"""
#: The ``windows`` table the content report reads: the catalog's licence windows ending in the
#: period, a row per country each covers (``at``: when it ends).
WINDOWS = pa.schema(
    [
        ("window_id", pa.string()),
        ("title_id", pa.string()),
        ("country", pa.string()),
        ("at", pa.timestamp("us", tz="UTC")),
    ]
)

BUSINESS = """
WITH days AS (
    SELECT CAST(unnest(generate_series($since::TIMESTAMPTZ, $until::TIMESTAMPTZ - INTERVAL 1 DAY,
                                       INTERVAL 1 DAY)) AS DATE) AS day
), changes AS (
    SELECT viewer, "at", plan, state, currency, amount FROM events
    WHERE kind = 'subscription' AND "at" < $until::TIMESTAMPTZ
), states AS (
    SELECT d.day, c.viewer, arg_max(c.plan, c."at") AS plan, arg_max(c.state, c."at") AS state,
           arg_max(c.currency, c."at") AS currency, arg_max(c.amount, c."at") AS amount,
           bool_or(c.state = 'canceled' AND CAST(c."at" AS DATE) = d.day) AS churned
    FROM days d JOIN changes c ON c."at" < d.day + INTERVAL 1 DAY
    GROUP BY d.day, c.viewer
), marked AS (
    SELECT *, last_value(CASE WHEN state IN {trial_marks} THEN state END IGNORE NULLS)
                  OVER (PARTITION BY viewer ORDER BY "at"
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
    FROM changes
), rows AS (
    SELECT day, plan, currency, 'subscription' AS kind, state, amount, churned FROM states
    UNION ALL
    SELECT CAST("at" AS DATE), NULL, NULL, 'signup', NULL, NULL, false FROM events
    WHERE kind = 'signup' AND {where}
    UNION ALL
    SELECT CAST("at" AS DATE), plan, currency, 'revenue', reason, amount, false FROM events
    WHERE kind = 'revenue' AND {where}
    UNION ALL
    SELECT CAST("at" AS DATE), plan, currency, 'trial_end', state, NULL, false FROM marked
    WHERE before = 'trialing' AND state IN {trial_marks} AND state <> 'trialing'
          AND "at" >= $since::TIMESTAMPTZ
)
SELECT {keys}, count(*) FILTER (WHERE kind = 'signup') AS signups,
       count(*) FILTER (WHERE kind = 'subscription' AND state IN {running})
           AS active_subscriptions,
       round(coalesce(sum(amount) FILTER (WHERE kind = 'subscription' AND state IN {running}), 0)
             / 100, 2) AS mrr,
       round(count(*) FILTER (WHERE churned)
             / nullif(count(*) FILTER (WHERE kind = 'subscription'
                                       AND (state IN {running} OR churned)), 0), 4)
           AS churn_rate,
       round(coalesce(sum(amount) FILTER (WHERE kind = 'revenue' AND state = 'invoice_paid'), 0)
             / 100, 2) AS revenue,
       count(*) FILTER (WHERE kind = 'revenue' AND state = 'invoice_failed') AS payments_failed,
       count(*) FILTER (WHERE kind = 'trial_end') AS trials_ended,
       round(count(*) FILTER (WHERE kind = 'trial_end' AND state = 'active')
             / nullif(count(*) FILTER (WHERE kind = 'trial_end'), 0), 4)
           AS trial_conversion_rate
FROM rows GROUP BY ALL ORDER BY {order}
"""
#: Subscription states that count as running (a cancelled plan runs to its period's end).
RUNNING = ("active", "canceled")
#: The states that open (``trialing``) and close a trial: paid (``active``, converted), or ended
#: unpaid (``expired``, ``suspended``); ``canceled`` and ``past_due`` leave it open (a trial
#: can be taken back, a card fixed).
TRIAL_MARKS = ("trialing", "active", "expired", "suspended")

SPECS: dict[str, Spec] = {
    "viewing": Spec(
        VIEWING,
        SESSION_GROUPS | {"plan": "plan"},
        ("day",),
        over_sessions=True,
        joins={"plan": PLAN_AT_START},
    ),
    "retention": Spec(RETENTION, {"title": "title_id"}, ("title",), over_sessions=True),
    "quality": Spec(
        QUALITY,
        {
            "title": "title_id",
            "edge": "edge_name AS edge",
            "region": "region",
            "country": "country",
            "device": "device",
            "day": "day",
        },
        ("day",),
        over_sessions=True,
    ),
    "content": Spec(CONTENT, {"day": "day", "title": "title_id"}, ("day",)),
    "business": Spec(
        BUSINESS,
        {"day": "strftime(day, '%Y-%m-%d') AS day", "plan": "plan", "currency": "currency"},
        ("day",),
        from_the_start=True,
    ),
}


def sql_of(
    name: str, group_by: tuple[str, ...], *, regions: Mapping[str, list[str]], filters: list[str]
) -> str:
    """The report's SQL for these groups (checked against the spec by the caller) and filters
    (``column = $name`` clauses); the caller binds ``since``, ``until`` (:func:`bounds`) and the
    filters' names."""
    spec = SPECS[name]
    keys = [spec.groups[group] for group in group_by]
    order = ", ".join(key.rsplit(" AS ", 1)[-1] for key in keys)
    where = " AND ".join([*(SESSION_PERIOD if spec.over_sessions else EVENT_PERIOD), *filters])
    return spec.sql.format(
        keys=", ".join(keys),
        order=order,
        where=where,
        session_where=" AND ".join([*SESSION_PERIOD, *filters]),
        beat=HEARTBEAT_S,
        region=_region_case(regions),
        whole=WHOLE,
        joins="".join(spec.joins.get(group, "") for group in group_by),
        running=RUNNING,
        trial_marks=TRIAL_MARKS,
    )


def bounds(first: date, last: date) -> dict[str, str]:
    """The ``at`` bounds of the days ``first``..``last`` (UTC, ``last`` included)."""
    after = date.fromordinal(last.toordinal() + 1)
    return {"since": f"{first.isoformat()} 00:00:00+00", "until": f"{after} 00:00:00+00"}


def _region_case(regions: Mapping[str, list[str]]) -> str:
    """The viewer's delivery region: the first of its country's regions in
    MARQUEE_DELIVERY_COUNTRY_REGIONS (``*`` for the others), '' when none is set."""
    nearest = {country: listed[0] for country, listed in regions.items() if listed}
    fallback = _quoted(nearest.pop("*", ""))
    whens = [f"WHEN country = {_quoted(c)} THEN {_quoted(r)}" for c, r in sorted(nearest.items())]
    return f"CASE {' '.join(whens)} ELSE {fallback} END" if whens else fallback


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
