"""Licences: keys for a live session's asset, to the session's account, rate-limited per
session; ``license_service`` is the one switch point for the DRM protocol."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy.orm import Session

from marquee.identity.schemas import Principal
from marquee.kit.cache import Cache
from marquee.media import service as media
from marquee.media.schemas import AssetManifests
from marquee.playback.drm.clearkey import (
    ClearKeyLicenseService,
    KeyGrant,
    License,
    LicenseService,
)
from marquee.playback.errors import LicenseRateLimited, SessionEnded
from marquee.playback.liveness import is_live, own_session
from marquee.playback.manifest import allowed_heights
from marquee.playback.schemas import DownloadGrant
from marquee.settings import Settings

log = logging.getLogger(__name__)
LICENSE_WINDOW_S = 60
license_service: LicenseService = ClearKeyLicenseService()


def issue_license(
    session: Session,
    *,
    settings: Settings,
    cache: Cache,
    me: Principal,
    session_id: str,
    body: bytes | None,
    kid: str | None = None,
) -> License:
    """Keys for the session's asset, of the tiers its plan plays, to the session's account,
    while the session is live; ``body`` None: the raw key ``kid`` (the ``GET`` of an HLS
    identity key URI)."""
    row = own_session(session, me, session_id)
    if not is_live(settings, row=row):
        raise SessionEnded
    _count_request(settings, cache, row.id)
    grant = key_grant(session, asset_id=row.asset_id, max_height=row.max_height)
    try:
        answer = license_service.issue(session, settings, body, grant, kid=kid)
    except Exception as exc:
        log.warning("licence refused: session %s account %s: %s", row.id, me.account_id, exc)
        raise
    log.info("licence issued: session %s account %s asset %s", row.id, me.account_id, row.asset_id)
    return answer


def download_license(
    session: Session,
    *,
    settings: Settings,
    cache: Cache,
    grant: DownloadGrant,
    body: bytes,
    expires_at: datetime,
) -> License:
    """A persistent licence for the keys of a download's renditions, valid until
    ``expires_at`` (downloads has checked that the download may still be played); rate-limited
    per download like a session's."""
    _count_request(settings, cache, f"download:{grant.download_id}")
    keys = key_grant(session, asset_id=grant.asset_id, max_height=grant.max_height)
    answer = license_service.issue(session, settings, body, keys, expires_at=expires_at)
    log.info("licence issued: download %s asset %s", grant.download_id, grant.asset_id)
    return answer


def _count_request(settings: Settings, cache: Cache, grant_key: str) -> None:
    """Count a licence request of a session (its id) or a download (``download:<id>``);
    ``rate-limited`` past ``playback_license_limit`` in a minute."""
    window = int(time.time() // LICENSE_WINDOW_S)
    count = cache.incr(f"playback:license:{grant_key}:{window}", ttl_s=LICENSE_WINDOW_S * 2)
    if count > settings.playback_license_limit:
        raise LicenseRateLimited(LICENSE_WINDOW_S - int(time.time()) % LICENSE_WINDOW_S)


def key_grant(session: Session, *, asset_id: str, max_height: int) -> KeyGrant:
    """The asset's keys that a plan (or a download) of ``max_height`` allows (those of the
    renditions it is offered, :func:`manifest.allowed_heights`) and the others."""
    return grant_of(session, media.asset_manifests(session, asset_id=asset_id), max_height)


def grant_of(session: Session, assets: AssetManifests, max_height: int) -> KeyGrant:
    """:func:`key_grant` of an asset whose manifests the caller has read already."""
    heights = allowed_heights((r.height for r in assets.renditions), max_height)
    allowed = media.key_ids_for_heights(session, asset_id=assets.asset_id, heights=heights)
    above = [kid for kid in assets.key_ids if kid not in allowed]
    return KeyGrant(allowed=allowed, above_plan=above, max_height=max_height)
