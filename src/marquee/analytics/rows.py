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
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from marquee.analytics.events import TelemetryReceived
from marquee.analytics.schemas import TelemetryEvent
from marquee.playback.events import SessionFacts

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


def day_of(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d")


def session_row(pseudonyms: Pseudonyms, event_id: str, kind: str, facts: SessionFacts) -> Row:
    """The columns every playback event fills in from its session's facts."""
    return {
        "id": event_id,
        "kind": kind,
        "at": facts.at,
        "viewer": pseudonyms.of(facts.account_id),
        "profile": pseudonyms.of(facts.profile_id),
        "session_id": facts.session_id,
        "title_id": facts.title_id,
        "episode_id": facts.episode_id,
        "country": facts.territory,
    }


def telemetry_rows(pseudonyms: Pseudonyms, received: TelemetryReceived) -> Iterator[Row]:
    facts = received.session
    base = session_row(pseudonyms, "", "", facts)
    base |= {"asset_id": facts.asset_id, "device": facts.device, "duration_s": facts.duration_s}
    for event in received.events:
        row = base | {"id": f"{facts.session_id}:{event.id}", "kind": event.kind, "at": event.at}
        row["position_s"] = event.position_s
        row.update(_telemetry_columns(event))
        yield row


def _telemetry_columns(event: TelemetryEvent) -> Row:
    fields = event.model_dump(exclude={"id", "at", "kind", "position_s"})
    renamed = {
        "duration_ms": "stall_ms",
        "to_height": "height",
        "to_bitrate_kbps": "bitrate_kbps",
        "code": "error_code",
        "message": "error_message",
    }
    return {renamed.get(name, name): value for name, value in fields.items()}


def as_table(rows: list[Row]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMA)
