"""Stream slots: starting a session (the account's rights, the profile's PIN, the plan's
concurrent streams claimed one start at a time), heartbeats that keep a slot and move the
position on, and stopping; each step logs a watch event and publishes playback's events."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from marquee.billing import service as billing
from marquee.catalog import service as catalog
from marquee.delivery import service as delivery
from marquee.identity import service as identity
from marquee.identity.schemas import Principal, Profile
from marquee.kit.cache import Cache, hold_until_commit
from marquee.kit.db import utcnow
from marquee.kit.events import publish
from marquee.media import service as media
from marquee.media.schemas import AssetManifests
from marquee.playback import repository
from marquee.playback.drm.clearkey import b64url
from marquee.playback.errors import (
    MaturityRestricted,
    NotAvailableInTerritory,
    PinRequired,
    SessionEnded,
    SubscriptionRequired,
    TooManyStreams,
)
from marquee.playback.events import (
    HEARTBEAT,
    SESSION_ENDED,
    SESSION_STARTED,
    PlaybackEnded,
    PlaybackHeartbeat,
    PlaybackStarted,
)
from marquee.playback.history import record_position, resume_position, series_episode
from marquee.playback.licenses import grant_of
from marquee.playback.liveness import is_live, own_session
from marquee.playback.models import PlaybackSession, WatchEvent
from marquee.playback.schemas import (
    Heartbeat,
    Manifests,
    PlayRights,
    RenditionQuality,
    SessionStart,
    SessionStarted,
    Stop,
)
from marquee.playback.session_manifests import API_PATH, folder_urls, manifest_token
from marquee.settings import Settings

START_LOCK_S = 5.0


def start_session(
    session: Session,
    *,
    settings: Settings,
    cache: Cache,
    me: Principal,
    form: SessionStart,
    country: str,
    device: str,
) -> SessionStarted:
    """Check that the account may play the title here and now, then open a stream slot."""
    rights = play_rights(session, settings=settings, cache=cache, me=me, form=form, country=country)
    title_id, episode_id, asset_id = rights.title_id, rights.episode_id or "", rights.asset_id
    assets = media.asset_manifests(session, asset_id=asset_id)
    now = utcnow()
    _claim_slot(session, settings, cache, me, rights.max_streams, now)
    row = PlaybackSession(
        account_id=me.account_id,
        profile_id=rights.profile_id,
        device_id=me.session_id,
        device_name=device,
        title_id=title_id,
        episode_id=episode_id,
        asset_id=asset_id,
        country=country.upper(),
        max_height=rights.max_height,
        duration_s=assets.duration_s,
        started_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=settings.playback_session_ttl_s),
    )
    session.add(row)
    session.flush()
    resume = resume_position(
        session, profile_id=rights.profile_id, title_id=title_id, episode_id=episode_id
    )
    _log_event(session, row, "start", resume)
    publish(
        session, SESSION_STARTED, PlaybackStarted(**_facts(row), asset_id=asset_id, device=device)
    )
    grant = grant_of(session, assets, row.max_height)
    return _started(settings, row, resume, assets, grant.allowed)


def play_rights(
    session: Session,
    *,
    settings: Settings,
    cache: Cache,
    me: Principal,
    form: SessionStart,
    country: str,
) -> PlayRights:
    """What pressing play (or downloading) the form's title or episode would play, after the
    checks that may refuse it: the subscription, the territory, the profile's maturity and
    PIN, and an asset attached."""
    profile = identity.get_profile(session, account_id=me.account_id, profile_id=form.profile_id)
    rights = billing.entitlement(session, account_id=me.account_id)
    billing.refuse_unpaid(rights)
    if not rights.can_watch:
        raise SubscriptionRequired
    title_id, episode_id = _target(session, form, profile.id)
    _check_rights(session, settings, cache, me, profile, form.pin, title_id, country)
    asset_id = catalog.playable_asset(
        session,
        title_id=title_id,
        territory=country,
        maturity=profile.maturity,
        episode_id=episode_id or None,
    )
    return PlayRights(
        profile_id=profile.id,
        title_id=title_id,
        episode_id=episode_id or None,
        asset_id=asset_id,
        max_height=rights.max_height,
        max_streams=rights.max_streams,
        download_devices=rights.download_devices,
    )


def _target(session: Session, form: SessionStart, profile_id: str) -> tuple[str, str]:
    """(title id, episode id or "") to play: a series' title id plays where the profile is."""
    if form.episode_id is not None:
        title_id = catalog.episode_title(session, episode_id=form.episode_id)
        if title_id is None:
            raise NotAvailableInTerritory
        return title_id, form.episode_id
    title_id = str(form.title_id)
    return title_id, series_episode(session, profile_id=profile_id, title_id=title_id)


def _check_rights(
    session: Session,
    settings: Settings,
    cache: Cache,
    me: Principal,
    profile: Profile,
    pin: str | None,
    title_id: str,
    country: str,
) -> None:
    if not catalog.is_available(session, title_id=title_id, territory=country, maturity="adult"):
        raise NotAvailableInTerritory
    if not catalog.is_available(
        session, title_id=title_id, territory=country, maturity=profile.maturity
    ):
        raise MaturityRestricted
    # A device that selected the profile has given its PIN already.
    if profile.has_pin and me.profile_id != profile.id:
        if pin is None:
            raise PinRequired
        identity.verify_pin(
            session,
            settings=settings,
            cache=cache,
            account_id=me.account_id,
            profile_id=profile.id,
            pin=pin,
        )


def _claim_slot(
    session: Session,
    settings: Settings,
    cache: Cache,
    me: Principal,
    max_streams: int,
    now: datetime,
) -> None:
    """Serialise the account's starts until this transaction commits, so that two devices
    starting at once cannot both take the last stream slot (released after commit or on
    refusal; after any other rollback it lapses within ``START_LOCK_S``)."""
    key = f"playback:start-lock:{me.account_id}"
    hold_until_commit(cache, session, key, ttl_s=START_LOCK_S)
    try:
        _free_slot(session, settings, me, max_streams, now)
    except TooManyStreams:
        cache.delete(key)
        raise


def _free_slot(
    session: Session, settings: Settings, me: Principal, max_streams: int, now: datetime
) -> None:
    """End sessions that timed out and this device's own (it starts another title); refuse
    when the plan's streams are all in use elsewhere."""
    playing = []
    for row in repository.open_sessions(session, me.account_id):
        if not is_live(settings, row=row, now=now):
            _end(session, row, "timed_out", now)
        elif row.device_id == me.session_id:
            _end(session, row, "replaced", now)
        else:
            playing.append(row)
    if len(playing) >= max_streams:
        devices = [
            {
                "device": r.device_name,
                "title_id": r.title_id,
                "started_at": r.started_at.isoformat(),
            }
            for r in playing
        ]
        raise TooManyStreams(max_streams, devices)


def _started(
    settings: Settings,
    row: PlaybackSession,
    resume: float,
    assets: AssetManifests,
    key_ids: list[str],
) -> SessionStarted:
    """The session answer; ``key_ids`` (hex): the keys its licence grants, named as a ClearKey
    licence request names them so that the player can ask for them beside the manifest."""
    base = f"{settings.public_url.rstrip('/')}{API_PATH}/{row.id}"
    files = f"{base}/{manifest_token(settings, session_id=row.id)}"
    return SessionStarted(
        session_id=row.id,
        title_id=row.title_id,
        episode_id=row.episode_id or None,
        manifests=Manifests(dash=f"{files}/manifest.mpd", hls=f"{files}/master.m3u8"),
        license_url=f"{base}/license",
        resume_position_s=resume,
        max_height=row.max_height,
        expires_at=row.expires_at,
        thumbnails=_thumbnails_url(settings, row, assets.trickplay),
        renditions=_renditions(assets, row.max_height),
        key_ids=[b64url(bytes.fromhex(kid)) for kid in key_ids],
    )


def _renditions(assets: AssetManifests, max_height: int) -> list[RenditionQuality]:
    """The renditions the session's manifests keep (the smallest alone under a plan below it)."""
    ladder = sorted(assets.renditions, key=lambda rendition: rendition.height)
    kept = [rendition for rendition in ladder if rendition.height <= max_height] or ladder[:1]
    return [
        RenditionQuality(height=r.height, bitrate_kbps=r.bitrate_kbps, vmaf=r.vmaf) for r in kept
    ]


def _thumbnails_url(settings: Settings, row: PlaybackSession, trickplay: str | None) -> str | None:
    """The asset's trick-play track on the nearest edge, under the session's delivery token
    for its folder (its cues name sprite sheets beside it)."""
    stored_under = delivery.asset_prefix(row.asset_id).lstrip("/")
    if trickplay is None or not trickplay.startswith(stored_under):
        return None
    folder, slash, name = trickplay.removeprefix(stored_under).rpartition("/")
    return folder_urls(settings, row, folder + slash)[0] + name


def heartbeat(
    session: Session, *, settings: Settings, me: Principal, session_id: str, beat: Heartbeat
) -> None:
    """Keep the slot, move the profile's position on and report QoE to analytics."""
    row = own_session(session, me, session_id)
    now = utcnow()
    if not is_live(settings, row=row, now=now):
        if row.ended_at is None:
            _end(session, row, "timed_out", now)
        raise SessionEnded
    row.last_seen_at, row.position_s = now, _clamp(beat.position_s, row.duration_s)
    ended = beat.state == "ended"
    record_position(
        session, settings=settings, row=row, position_s=row.position_s, now=now, finished=ended
    )
    _log_event(session, row, "heartbeat", row.position_s)
    publish(session, HEARTBEAT, PlaybackHeartbeat(**_facts(row), **beat.model_dump()))


def stop(
    session: Session, *, settings: Settings, me: Principal, session_id: str, form: Stop
) -> None:
    """End the stream (idempotent): its slot is free at once."""
    row = own_session(session, me, session_id)
    if row.ended_at is not None:
        return
    now = utcnow()
    if form.position_s is not None:
        row.position_s = _clamp(form.position_s, row.duration_s)
        record_position(
            session, settings=settings, row=row, position_s=row.position_s, now=now, finished=False
        )
    _log_event(session, row, "stop", row.position_s)
    _end(session, row, "stopped", now)


def _end(session: Session, row: PlaybackSession, reason: str, now: datetime) -> None:
    row.ended_at = now
    session.flush()
    ended = PlaybackEnded(**_facts(row), position_s=row.position_s, reason=reason)
    publish(session, SESSION_ENDED, ended)


def _clamp(position_s: float, duration_s: float) -> float:
    return min(position_s, duration_s) if duration_s > 0 else position_s


def _log_event(session: Session, row: PlaybackSession, kind: str, position_s: float) -> None:
    session.add(
        WatchEvent(
            account_id=row.account_id,
            profile_id=row.profile_id,
            session_id=row.id,
            title_id=row.title_id,
            episode_id=row.episode_id,
            kind=kind,
            position_s=position_s,
            country=row.country,
        )
    )


def _facts(row: PlaybackSession) -> dict[str, Any]:
    """The ``SessionFacts`` of a session's events."""
    return {
        "session_id": row.id,
        "account_id": row.account_id,
        "profile_id": row.profile_id,
        "title_id": row.title_id,
        "episode_id": row.episode_id or None,
        "territory": row.country,
        "at": utcnow(),
    }
