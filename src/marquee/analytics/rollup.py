"""Sessions: the lake's rows summed per playback session and day, what the viewing, quality and
retention reports read instead of every heartbeat and sample (about 20 times fewer rows).

Compaction writes a day's sessions next to its one merged file, under
``analytics/sessions/day=…/`` with a name fixed by the raw files it sums. A report uses a day's
sessions file only while that name still matches the day's raw files (late events, an erasure
or a quarantine change them) and sums the other days' raw rows on the fly with the same SQL.
"""

from __future__ import annotations

from collections.abc import Sequence

from marquee.analytics import lake

PREFIX = "analytics/sessions"
#: The version of :data:`SESSIONS_SQL`'s columns, part of each sessions file's name.
VERSION = "4"
TELEMETRY_KINDS = ("startup", "stall_start", "stall_end", "quality_change", "error", "sample")
SESSION_KINDS = ("session_started", "heartbeat", "session_ended", *TELEMETRY_KINDS)

#: One row per session and day, from a view of raw rows (renditions from ``lake``). The reports
#: group sessions and count viewers by ``session_key`` and ``viewer_key``, 64 bits of the ids'
#: MD5: grouping half a million sessions by a number costs about half as much as by a
#: 32-character string. (DuckDB's own ``hash`` is no key: ids that differ in a few characters
#: share its values.)
SESSIONS_SQL = """
WITH renditions AS (
    SELECT asset_id, height, max(vmaf) AS vmaf FROM lake WHERE kind = 'rendition' GROUP BY ALL
)
SELECT session_id, strftime(e."at", '%Y-%m-%d') AS day,
       md5_number_lower(session_id) AS session_key,
       md5_number_lower(any_value(viewer)) AS viewer_key,
       any_value(viewer) AS viewer, any_value(title_id) AS title_id,
       any_value(episode_id) AS episode_id, any_value(country) AS country,
       any_value(device) AS device,
       min(e."at") FILTER (WHERE kind = 'session_started') AS started_at,
       count(*) FILTER (WHERE kind = 'session_started') AS started,
       count(*) FILTER (WHERE kind = 'session_ended') AS ended,
       arg_max(edge_host, e."at") FILTER (WHERE kind = 'sample') AS edge,
       min(startup_ms) AS startup_ms,
       sum(stall_ms) AS stall_ms,
       count(*) FILTER (WHERE kind = 'stall_start') AS stalls,
       sum(played_ms) AS played_ms,
       count(*) FILTER (WHERE kind = 'heartbeat' AND state = 'playing') AS beats,
       sum(bitrate_kbps) FILTER (WHERE kind = 'sample') AS bitrate_sum,
       count(bitrate_kbps) FILTER (WHERE kind = 'sample') AS bitrate_n,
       sum(r.vmaf) AS vmaf_sum, count(r.vmaf) AS vmaf_n,
       count(*) FILTER (WHERE kind = 'error') AS errors,
       count(*) FILTER (WHERE kind IN {telemetry}) AS telemetry,
       max(position_s) FILTER (WHERE kind <> 'session_started') AS furthest,
       max(duration_s) AS duration_s
FROM {source} e
LEFT JOIN renditions r ON e.kind = 'sample' AND r.asset_id = e.asset_id AND r.height = e.height
WHERE kind IN {kinds}
GROUP BY session_id, day
"""


def summing(source: str) -> str:
    """:data:`SESSIONS_SQL` over the view ``source``."""
    return SESSIONS_SQL.format(source=source, telemetry=TELEMETRY_KINDS, kinds=SESSION_KINDS)


def key_for(day: str, raw_keys: Sequence[str]) -> str:
    """The sessions file of a day whose raw files are ``raw_keys``, as this version of
    :data:`SESSIONS_SQL` sums them (a file of another version is not used: the day is summed
    again)."""
    name = lake.content_name("sessions", [VERSION, *sorted(raw_keys)])
    return f"{PREFIX}/day={day}/{name}.parquet"
