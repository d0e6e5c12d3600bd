"""Downloads' queries."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from marquee.downloads.models import Download, DownloadDevice


def held(session: Session, account_id: str) -> list[Download]:
    """The account's downloads not revoked (the devices keep them, expired or not)."""
    query = select(Download).where(
        Download.account_id == account_id, Download.revoked_reason.is_(None)
    )
    return list(session.scalars(query))


def on_device(session: Session, account_id: str, device_id: str) -> list[Download]:
    query = select(Download).where(
        Download.account_id == account_id, Download.device_id == device_id
    )
    return list(session.scalars(query.order_by(Download.created_at.desc(), Download.id)))


def held_of(
    session: Session, *, title_id: str | None = None, profile_id: str | None = None
) -> list[Download]:
    """Downloads not revoked of a title, or of a profile."""
    query = select(Download).where(Download.revoked_reason.is_(None))
    if title_id is not None:
        query = query.where(Download.title_id == title_id)
    if profile_id is not None:
        query = query.where(Download.profile_id == profile_id)
    return list(session.scalars(query))


def devices_by_recency(session: Session, account_id: str) -> list[DownloadDevice]:
    """The account's devices, most recently seen first."""
    query = select(DownloadDevice).where(DownloadDevice.account_id == account_id)
    order = (DownloadDevice.last_seen_at.desc(), DownloadDevice.device_id)
    return list(session.scalars(query.order_by(*order)))


def device(session: Session, account_id: str, device_id: str) -> DownloadDevice | None:
    return session.get(DownloadDevice, (account_id, device_id))


def count_held(session: Session, account_id: str) -> int:
    query = select(func.count(Download.id)).where(
        Download.account_id == account_id, Download.revoked_reason.is_(None)
    )
    return int(session.scalar(query) or 0)


def delete_account(session: Session, account_id: str) -> None:
    session.execute(delete(Download).where(Download.account_id == account_id))
    session.execute(delete(DownloadDevice).where(DownloadDevice.account_id == account_id))
