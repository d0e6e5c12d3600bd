"""What downloads holds of a person, for the account export (:mod:`marquee.kit.personal_data`):
the downloads granted to the account's devices and when each device was last seen. Deleted
by :mod:`.subscribers` on ``identity.account_deleted``; a deleted profile's downloads are
revoked, and go with the account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.downloads.models import Download, DownloadDevice
from marquee.kit.personal_data import Holder, Subject, as_json, register

ERASED = "deleted on identity.account_deleted"


def export(session: Session, subject: Subject) -> Mapping[str, Any]:
    downloads = session.scalars(
        select(Download)
        .where(Download.account_id == subject.account_id)
        .order_by(Download.created_at)
    )
    devices = session.scalars(
        select(DownloadDevice)
        .where(DownloadDevice.account_id == subject.account_id)
        .order_by(DownloadDevice.last_seen_at)
    )
    return {
        "downloads": [as_json(row) for row in downloads],
        "devices": [as_json(row) for row in devices],
    }


register(
    Holder(
        domain="downloads",
        tables={"downloads_grants": ERASED, "downloads_devices": ERASED},
        export=export,
    )
)
