"""Revocation: what makes a download unplayable before it expires, handled as other domains'
events arrive (the device learns it the next time it is online: the listing's state and
its licence URL's refusal). A window that simply ends needs no event: the state is computed
against ``window_ends_at`` when read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from marquee.billing import service as billing
from marquee.billing.events import SubscriptionChanged
from marquee.catalog import service as catalog
from marquee.catalog.events import TitleChanged, TitleUnpublished
from marquee.downloads import repository
from marquee.downloads.events import DOWNLOAD_REVOKED, DownloadRevoked
from marquee.downloads.models import Download
from marquee.identity.events import AccountDeleted, ProfileDeleted
from marquee.kit.db import utcnow
from marquee.kit.events import publish


def revoke(session: Session, row: Download, reason: str, now: datetime) -> None:
    row.revoked_at, row.revoked_reason = now, reason
    session.flush()
    publish(session, DOWNLOAD_REVOKED, DownloadRevoked(**facts(row, now), reason=reason))


def on_plan_change(session: Session, change: SubscriptionChanged) -> None:
    """``billing.subscription_changed``: when fewer devices may hold downloads than do, the
    devices beyond the plan's ``download_devices`` lose theirs, the most recently seen keep
    them (no device may once the subscription no longer plays; a suspended one keeps them
    until it is paid or expires)."""
    rights = billing.entitlement(session, account_id=change.account_id)
    limit = rights.download_devices if rights.can_watch or rights.payment_required else 0
    held = repository.held(session, change.account_id)
    holding = {row.device_id for row in held}
    if len(holding) <= limit:
        return
    ranked = [
        device.device_id
        for device in repository.devices_by_recency(session, change.account_id)
        if device.device_id in holding
    ]
    kept = set(ranked[:limit])
    now = utcnow()
    for row in held:
        if row.device_id not in kept:
            revoke(session, row, "plan", now)


def on_title_changed(session: Session, changed: TitleChanged | TitleUnpublished) -> None:
    """``catalog.title_updated`` / ``title_unpublished``: downloads whose territory no window
    lets download the title any more are revoked; the others follow their window's end."""
    now = utcnow()
    for row in repository.held_of(session, title_id=changed.title_id):
        terms = catalog.download_terms(session, title_id=row.title_id, territory=row.country)
        if terms is None or not terms.allowed:
            revoke(session, row, "window", now)
        else:
            row.window_ends_at = terms.ends_at


def on_profile_deleted(session: Session, deleted: ProfileDeleted) -> None:
    now = utcnow()
    for row in repository.held_of(session, profile_id=deleted.profile_id):
        revoke(session, row, "profile", now)


def on_account_deleted(session: Session, deleted: AccountDeleted) -> None:
    """Nothing can sign in to ask for them any more: the account's downloads go."""
    repository.delete_account(session, deleted.account_id)


def facts(row: Download, now: datetime) -> dict[str, str | datetime | None]:
    """The ``DownloadFacts`` of a download's events."""
    return {
        "download_id": row.id,
        "account_id": row.account_id,
        "profile_id": row.profile_id,
        "device_id": row.device_id,
        "title_id": row.title_id,
        "episode_id": row.episode_id or None,
        "at": now,
    }
