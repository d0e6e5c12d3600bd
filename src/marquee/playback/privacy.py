"""What playback holds of a person, for the account export (:mod:`marquee.kit.personal_data`):
playback sessions, their watch events and the viewing positions (history). Deleted by
:mod:`.subscribers` on ``identity.account_deleted`` and ``identity.profile_deleted``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.kit.personal_data import Holder, Subject, as_json, register
from marquee.playback.models import PlaybackSession, ViewingPosition, WatchEvent

ERASED = "deleted on identity.account_deleted and identity.profile_deleted"


def export(session: Session, subject: Subject) -> Mapping[str, Any]:
    account_id = subject.account_id
    sessions = session.scalars(
        select(PlaybackSession)
        .where(PlaybackSession.account_id == account_id)
        .order_by(PlaybackSession.started_at)
    )
    events = session.scalars(
        select(WatchEvent).where(WatchEvent.account_id == account_id).order_by(WatchEvent.at)
    )
    positions = session.scalars(
        select(ViewingPosition)
        .where(ViewingPosition.account_id == account_id)
        .order_by(ViewingPosition.updated_at)
    )
    return {
        "history": [as_json(row) for row in positions],
        "sessions": [as_json(row) for row in sessions],
        "watch_events": [as_json(row) for row in events],
    }


register(
    Holder(
        domain="playback",
        tables={
            "playback_sessions": ERASED,
            "playback_watch_events": ERASED,
            "playback_positions": ERASED,
        },
        export=export,
    )
)
