"""The lake's one table: every event becomes rows of :data:`SCHEMA` (columns an event does not
have are null), with viewers pseudonymous.

A row's ``id`` is what makes it unique across redeliveries: the platform event's id, the
session and the player's own id for telemetry, the asset event's id and the rendition for the
renditions of a ready asset.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("kind", pa.string()),
        ("at", pa.timestamp("us", tz="UTC")),
        ("viewer", pa.string()),
        ("profile", pa.string()),
        ("session_id", pa.string()),
        ("title_id", pa.string()),
        ("episode_id", pa.string()),
        ("asset_id", pa.string()),
        ("country", pa.string()),
        ("device", pa.string()),
        ("edge_host", pa.string()),
        ("state", pa.string()),
        ("reason", pa.string()),
        ("position_s", pa.float64()),
        ("duration_s", pa.float64()),
        ("startup_ms", pa.float64()),
        ("manifest_ms", pa.float64()),
        ("licence_ms", pa.float64()),
        ("first_segment_ms", pa.float64()),
        ("stall_ms", pa.float64()),
        ("played_ms", pa.float64()),
        ("buffer_s", pa.float64()),
        ("throughput_kbps", pa.float64()),
        ("dropped_frames", pa.int64()),
        ("height", pa.int64()),
        ("bitrate_kbps", pa.int64()),
        ("from_height", pa.int64()),
        ("from_bitrate_kbps", pa.int64()),
        ("vmaf", pa.float64()),
        ("error_code", pa.string()),
        ("error_message", pa.string()),
        ("plan", pa.string()),
        ("currency", pa.string()),
        ("amount", pa.int64()),
    ]
)
COLUMNS = tuple(SCHEMA.names)
Row = dict[str, Any]
PSEUDONYM_INFO = b"marquee analytics viewer pseudonym v1"


class Pseudonyms:
    """Viewers in the lake: a keyed HMAC of the account or profile id, under a key derived from
    the platform secret. The same viewer has the same pseudonym in every file (counting unique
    viewers works); without the secret, a pseudonym cannot be traced back."""

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, PSEUDONYM_INFO, hashlib.sha256).digest()
        self.of = functools.lru_cache(maxsize=100_000)(self._of)

    def _of(self, identifier: str) -> str:
        return hmac.new(self._key, identifier.encode(), hashlib.sha256).hexdigest()[:32]


def as_table(rows: list[Row]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def table_of_columns(columns: Mapping[str, Sequence[Any]]) -> pa.Table:
    """A table of :data:`SCHEMA` from lists of values by column (all of one length; a column
    left out is null): an Arrow array per column, much faster than a dict per row."""
    length = len(columns["id"])
    arrays = []
    for field in SCHEMA:
        values = columns.get(field.name)
        if values is None:
            arrays.append(pa.nulls(length, field.type))
        elif field.name == "at":
            arrays.append(timestamps(values))
        else:
            arrays.append(pa.array(values, field.type))
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def timestamps(values: Sequence[str | datetime]) -> pa.Array:
    """The ``at`` column from ISO 8601 strings with their offsets (as event payloads carry
    them: Arrow parses those itself) or from datetimes (a naive one is taken as UTC)."""
    kind = SCHEMA.field("at").type
    try:
        return pa.array(values, pa.string()).cast(kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        parsed = [v if isinstance(v, datetime) else datetime.fromisoformat(v) for v in values]
        return pa.array(parsed, kind)
