"""Downloads' public face: grants and their limits, listing by device, release, renewal, the
plays a device reports, and what a device fetches (the manifest and the persistent licence).

A download is checked like pressing play (playback's :func:`~marquee.playback.service.
play_rights`), then against the licence window (catalog's ``download_terms``), the account's
cap and the plan's ``download_devices``. Its state is computed when read (docs/downloads.md):
revoked (:mod:`.revocation` sets the reason), expired past ``playable_until``, else active.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marquee.catalog import service as catalog
from marquee.downloads import repository
from marquee.downloads.errors import (
    DeviceLimit,
    DownloadExpired,
    DownloadLimit,
    DownloadNotAllowed,
    DownloadNotFound,
    DownloadRevoked,
)
from marquee.downloads.events import DOWNLOAD_GRANTED, DownloadFacts
from marquee.downloads.models import Download, DownloadDevice
from marquee.downloads.revocation import facts, revoke
from marquee.downloads.schemas import Download as DownloadOut
from marquee.downloads.schemas import (
    DownloadRequest,
    Downloads,
    DownloadState,
    Play,
    RevokedReason,
)
from marquee.identity import service as identity
from marquee.identity.schemas import Principal
from marquee.kit.cache import Cache, hold_until_commit
from marquee.kit.db import utcnow
from marquee.kit.events import publish
from marquee.kit.secret_text import same_secret
from marquee.kit.storage import ObjectStore
from marquee.media import service as media
from marquee.playback import service as playback
from marquee.playback.schemas import (
    DownloadGrant,
    PlayedPosition,
    PlayRights,
    SessionStart,
    TrackChoice,
)
from marquee.settings import Settings

API_PATH = "/api/v1/downloads"
#: The tallest rendition of a ``standard`` download (``high``: the plan's).
STANDARD_HEIGHT = 540
GRANT_LOCK_S = 5.0

__all__ = [
    "API_PATH",
    "downloads_on_device",
    "grant",
    "license",
    "manifest",
    "record_plays",
    "release",
    "renew",
]


def grant(
    session: Session,
    *,
    settings: Settings,
    cache: Cache,
    me: Principal,
    form: DownloadRequest,
    country: str,
) -> DownloadOut:
    """Grant the download after every check, or answer the one the device already holds."""
    rights = playback.play_rights(
        session, settings=settings, cache=cache, me=me, form=form, country=country
    )
    now = utcnow()
    _seen(session, me.account_id, form.device_id, now)
    for row in repository.on_device(session, me.account_id, form.device_id):
        if row.revoked_reason is None and _same_target(row, rights):
            return _view(settings, row, now)
    window_ends_at = _allowed_until(session, rights.title_id, country)
    _claim(session, settings, cache, me.account_id, form.device_id, rights.download_devices)
    max_height = rights.max_height
    if form.quality == "standard":
        max_height = min(max_height, STANDARD_HEIGHT)
    row = Download(
        account_id=me.account_id,
        profile_id=rights.profile_id,
        device_id=form.device_id,
        title_id=rights.title_id,
        episode_id=rights.episode_id or "",
        asset_id=rights.asset_id,
        country=country.upper(),
        quality=form.quality,
        max_height=max_height,
        title=_display_name(session, me.account_id, rights, country),
        audio_languages=form.audio_languages,
        subtitle_languages=form.subtitle_languages,
        expires_at=_expiry(settings, now, window_ends_at),
        window_ends_at=window_ends_at,
        created_at=now,
    )
    session.add(row)
    session.flush()
    publish(session, DOWNLOAD_GRANTED, DownloadFacts(**facts(row, now)))
    return _view(settings, row, now)


def downloads_on_device(
    session: Session, *, settings: Settings, account_id: str, device_id: str
) -> Downloads:
    """The account's downloads on the device, newest first, revoked ones with their reason
    (the device deletes them)."""
    now = utcnow()
    _seen(session, account_id, device_id, now)
    rows = repository.on_device(session, account_id, device_id)
    return Downloads(downloads=[_view(settings, row, now) for row in rows])


def release(session: Session, *, account_id: str, download_id: str) -> None:
    """The device deleted the download: it no longer counts (idempotent)."""
    row = _own(session, account_id, download_id)
    if row.revoked_reason is None:
        revoke(session, row, "released", utcnow())


def renew(
    session: Session,
    *,
    settings: Settings,
    cache: Cache,
    me: Principal,
    download_id: str,
    country: str,
) -> DownloadOut:
    """A new expiry and a fresh play window, after the checks of a grant."""
    row = _own(session, me.account_id, download_id)
    now = utcnow()
    _seen(session, me.account_id, row.device_id, now)
    _state_now, reason = _state(settings, row, now)
    if reason is not None:
        raise DownloadRevoked(reason)
    target = SessionStart(
        title_id=row.title_id if not row.episode_id else None,
        episode_id=row.episode_id or None,
        profile_id=row.profile_id,
    )
    playback.play_rights(
        session, settings=settings, cache=cache, me=me, form=target, country=country
    )
    window_ends_at = _allowed_until(session, row.title_id, country)
    row.expires_at = _expiry(settings, now, window_ends_at)
    row.window_ends_at, row.first_played_at = window_ends_at, None
    return _view(settings, row, now)


def record_plays(
    session: Session, *, settings: Settings, account_id: str, download_id: str, plays: list[Play]
) -> DownloadOut:
    """Plays the device reports once online: the earliest starts the play window, and each
    moves the profile's history (playback's)."""
    row = _own(session, account_id, download_id)
    now = utcnow()
    _seen(session, account_id, row.device_id, now)
    duration_s = media.asset_manifests(session, asset_id=row.asset_id).duration_s
    for play in sorted(plays, key=lambda p: p.played_at):
        played_at = min(max(play.played_at, row.created_at), now)  # the device's clock
        if row.first_played_at is None or played_at < row.first_played_at:
            row.first_played_at = played_at
        position = PlayedPosition(
            account_id=row.account_id,
            profile_id=row.profile_id,
            title_id=row.title_id,
            episode_id=row.episode_id or None,
            country=row.country,
            position_s=play.position_s,
            duration_s=play.duration_s if play.duration_s is not None else duration_s,
            played_at=played_at,
            download_id=row.id,
        )
        playback.record_offline_play(session, settings=settings, play=position)
    return _view(settings, row, now)


def license(
    session: Session,
    *,
    settings: Settings,
    cache: Cache,
    account_id: str,
    download_id: str,
    body: bytes,
) -> tuple[bytes, str]:
    """The persistent ClearKey licence of an active download, valid to its ``playable_until``:
    ``(body, media type)``; ``rate-limited`` past ``MARQUEE_PLAYBACK_LICENSE_LIMIT`` requests a
    minute for the download."""
    row = _own(session, account_id, download_id)
    now = utcnow()
    _seen(session, account_id, row.device_id, now)
    _refuse_unplayable(settings, row, now)
    answer = playback.download_license(
        session,
        settings=settings,
        cache=cache,
        grant=_grant(row),
        body=body,
        expires_at=playable_until(settings, row),
    )
    return answer.body, answer.media_type


def manifest(
    session: Session, *, settings: Settings, storage: ObjectStore, download_id: str, token: str
) -> str:
    """The download's DASH manifest, to whoever holds its URL (players send no credentials)."""
    row = session.get(Download, download_id)
    if row is None or not same_secret(token, manifest_token(settings, download_id=download_id)):
        raise DownloadNotFound
    _refuse_unplayable(settings, row, utcnow())
    grant = _grant(row).model_copy(update={"tracks": _tracks(session, row)})
    return playback.download_mpd(
        session,
        settings=settings,
        storage=storage,
        grant=grant,
        license_url=_url(settings, row.id, "license"),
    )


def playable_until(settings: Settings, row: Download) -> datetime:
    """``expires_at``, or the play window's end once played; never past the window's end."""
    until = row.expires_at
    if row.first_played_at is not None:
        until = row.first_played_at + timedelta(hours=settings.downloads_play_window_hours)
    return until if row.window_ends_at is None else min(until, row.window_ends_at)


def manifest_token(settings: Settings, *, download_id: str) -> str:
    """Grants the download's manifest to whoever holds its URL."""
    mac = hmac.new(settings.secret(), f"download-manifest {download_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def _state(
    settings: Settings, row: Download, now: datetime
) -> tuple[DownloadState, RevokedReason | None]:
    if row.revoked_reason is not None:
        return "revoked", row.revoked_reason  # type: ignore[return-value]
    if row.window_ends_at is not None and now >= row.window_ends_at:
        return "revoked", "window"
    if now >= playable_until(settings, row):
        return "expired", None
    return "active", None


def _refuse_unplayable(settings: Settings, row: Download, now: datetime) -> None:
    state, reason = _state(settings, row, now)
    if reason is not None:
        raise DownloadRevoked(reason)
    if state == "expired":
        raise DownloadExpired


def _own(session: Session, account_id: str, download_id: str) -> Download:
    row = session.get(Download, download_id)
    if row is None or row.account_id != account_id:
        raise DownloadNotFound
    return row


def _same_target(row: Download, rights: PlayRights) -> bool:
    return (row.profile_id, row.title_id, row.episode_id or None) == (
        rights.profile_id,
        rights.title_id,
        rights.episode_id,
    )


def _allowed_until(session: Session, title_id: str, country: str) -> datetime | None:
    """The end of the licence windows that let the viewer's territory download the title
    (None: open-ended); ``download-not-allowed`` when none does."""
    terms = catalog.download_terms(session, title_id=title_id, territory=country)
    if terms is None or not terms.allowed:
        raise DownloadNotAllowed
    return terms.ends_at


def _expiry(settings: Settings, now: datetime, window_ends_at: datetime | None) -> datetime:
    expires_at = now + timedelta(days=settings.downloads_license_days)
    return expires_at if window_ends_at is None else min(expires_at, window_ends_at)


def _claim(
    session: Session,
    settings: Settings,
    cache: Cache,
    account_id: str,
    device_id: str,
    max_devices: int,
) -> None:
    """Refuse a download beyond the account's cap or on a device beyond the plan's; grants
    of one account are checked one at a time until the transaction commits."""
    key = f"downloads:grant-lock:{account_id}"
    hold_until_commit(cache, session, key, ttl_s=GRANT_LOCK_S)
    per_device = Counter(row.device_id for row in repository.held(session, account_id))
    try:
        if sum(per_device.values()) >= settings.downloads_max_per_account:
            raise DownloadLimit(settings.downloads_max_per_account)
        if device_id not in per_device and len(per_device) >= max_devices:
            raise DeviceLimit(max_devices, _devices(session, account_id, per_device))
    except (DownloadLimit, DeviceLimit):
        cache.delete(key)
        raise


def _devices(
    session: Session, account_id: str, per_device: Counter[str]
) -> list[dict[str, str | int]]:
    return [
        {
            "device_id": device.device_id,
            "downloads": per_device[device.device_id],
            "last_seen_at": device.last_seen_at.isoformat(),
        }
        for device in repository.devices_by_recency(session, account_id)
        if device.device_id in per_device
    ]


def _seen(session: Session, account_id: str, device_id: str, now: datetime) -> None:
    """The device is online: it keeps its downloads first when the plan allows fewer devices."""
    device = repository.device(session, account_id, device_id)
    if device is None:
        try:
            with session.begin_nested():
                session.add(
                    DownloadDevice(account_id=account_id, device_id=device_id, last_seen_at=now)
                )
            return
        except IntegrityError:  # another request named this new device at the same moment
            device = repository.device(session, account_id, device_id)
    if device is not None:
        device.last_seen_at = now
        session.flush()


def _display_name(session: Session, account_id: str, rights: PlayRights, country: str) -> str:
    """The title's name in the profile's language; an episode's after its series'."""
    profile = identity.get_profile(session, account_id=account_id, profile_id=rights.profile_id)
    title = catalog.get_title(
        session,
        title_id=rights.title_id,
        territory=country,
        maturity=profile.maturity,
        languages=[profile.language],
    )
    for season in title.seasons:
        for episode in season.episodes:
            if episode.id == rights.episode_id:
                return f"{title.title} · S{season.number}:E{episode.number} {episode.title}"
    return title.title


def _grant(row: Download) -> DownloadGrant:
    return DownloadGrant(
        download_id=row.id, asset_id=row.asset_id, max_height=row.max_height, country=row.country
    )


def _tracks(session: Session, row: Download) -> TrackChoice:
    """The tracks the download holds: the audio and subtitle languages asked for; none asked
    for, the profile's language (and for audio the original soundtrack too)."""
    audio, subtitles = list(row.audio_languages), list(row.subtitle_languages)
    if audio and subtitles:
        return TrackChoice(audio=audio, subtitles=subtitles)
    profile = identity.get_profile(session, account_id=row.account_id, profile_id=row.profile_id)
    return TrackChoice(
        audio=audio or [profile.language],
        subtitles=subtitles or [profile.language],
        original_audio=not audio,
    )


def _url(settings: Settings, download_id: str, name: str) -> str:
    return f"{settings.public_url.rstrip('/')}{API_PATH}/{download_id}/{name}"


def _view(settings: Settings, row: Download, now: datetime) -> DownloadOut:
    state, reason = _state(settings, row, now)
    token = manifest_token(settings, download_id=row.id)
    return DownloadOut(
        id=row.id,
        title_id=row.title_id,
        episode_id=row.episode_id or None,
        profile_id=row.profile_id,
        device_id=row.device_id,
        quality=row.quality,
        title=row.title,
        max_height=row.max_height,
        audio_languages=list(row.audio_languages),
        subtitle_languages=list(row.subtitle_languages),
        manifest_url=_url(settings, row.id, f"{token}/manifest.mpd"),
        license_url=_url(settings, row.id, "license"),
        expires_at=row.expires_at,
        play_window_hours=settings.downloads_play_window_hours,
        first_played_at=row.first_played_at,
        playable_until=playable_until(settings, row),
        state=state,
        revoked_reason=reason,
        created_at=row.created_at,
    )
