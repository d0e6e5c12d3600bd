"""Events downloads publishes (after commit, at least once; handlers must be idempotent)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from marquee.kit.events import declare


class DownloadFacts(BaseModel):
    download_id: str
    account_id: str
    profile_id: str
    device_id: str
    title_id: str
    episode_id: str | None
    at: datetime


class DownloadRevoked(DownloadFacts):
    #: ``plan``, ``profile``, ``window`` or ``released`` (docs/downloads.md).
    reason: str


DOWNLOAD_GRANTED = declare("downloads.granted", DownloadFacts)
"""A device may download a title or an episode (its manifest and licence handed out)."""

DOWNLOAD_REVOKED = declare("downloads.revoked", DownloadRevoked)
"""A download may no longer be played; its device deletes it when next online."""
