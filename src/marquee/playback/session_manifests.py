"""A session's manifests as players fetch them: the token in their URL that grants them, the
asset's signed folders on each steered edge, and the session's copy of each manifest (the
rewriting itself is :mod:`marquee.playback.manifest`)."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.orm import Session

from marquee.delivery import service as delivery
from marquee.kit.db import utcnow
from marquee.kit.secret_text import same_secret
from marquee.kit.storage import ObjectStore
from marquee.media import service as media
from marquee.playback import manifest
from marquee.playback.drm.clearkey import b64url
from marquee.playback.errors import SessionNotFound
from marquee.playback.liveness import live_session
from marquee.playback.models import PlaybackSession
from marquee.playback.schemas import DownloadGrant
from marquee.settings import Settings

API_PATH = "/api/v1/playback/sessions"


def manifest_token(settings: Settings, *, session_id: str) -> str:
    """Grants a session's manifests to whoever holds its URLs (players fetch them without
    credentials, like the segments)."""
    mac = hmac.new(settings.secret(), f"playback-manifest {session_id}".encode(), hashlib.sha256)
    return b64url(mac.digest()[:16])


def session_manifest(
    session: Session,
    *,
    settings: Settings,
    storage: ObjectStore,
    session_id: str,
    token: str,
    name: str,
) -> str:
    """The session's copy of ``manifest.mpd``, ``master.m3u8`` or one of its media playlists."""
    if not same_secret(token, manifest_token(settings, session_id=session_id)):
        raise SessionNotFound
    row = live_session(session, settings, session_id)
    assets = media.asset_manifests(session, asset_id=row.asset_id)
    license_url = f"{settings.public_url.rstrip('/')}{API_PATH}/{row.id}/license"
    if name == "manifest.mpd":
        return manifest.session_mpd(
            storage.get_bytes(assets.dash).decode(),
            max_height=row.max_height,
            license_url=license_url,
            folder_urls=lambda folder: folder_urls(settings, row, folder),
        )
    packaged_master = storage.get_bytes(assets.hls).decode()
    if name == "master.m3u8":
        labels = [*_labelled_edges(settings, row)]
        return manifest.session_master(packaged_master, max_height=row.max_height, edges=labels)
    label, packaged = manifest.edge_playlist(name)
    master = manifest.session_master(packaged_master, max_height=row.max_height)
    if packaged not in manifest.playlist_names(master):
        raise SessionNotFound
    playlist = storage.get_bytes(delivery.asset_prefix(row.asset_id)[1:] + packaged).decode()
    folder, slash, _ = packaged.rpartition("/")
    edges = _labelled_edges(settings, row, folder + slash)
    # The edge the master named, or the nearest healthy one if steering has dropped it since.
    base = edges.get(label) or next(iter(edges.values()))
    return manifest.session_media_playlist(playlist, license_url=license_url, base_url=base)


def folder_urls(settings: Settings, row: PlaybackSession, folder: str) -> list[str]:
    """One folder of the asset (``video/720p/``; ``""``: its top one), signed for the session,
    on each steered edge, nearest first."""
    return list(_labelled_edges(settings, row, folder).values())


def _labelled_edges(settings: Settings, row: PlaybackSession, folder: str = "") -> dict[str, str]:
    """:func:`folder_urls` by the edges' labels in HLS playlist names."""
    ttl_s = max(1.0, (row.expires_at - utcnow()).total_seconds())
    return _signed_folder(settings, row.asset_id, row.id, row.country, ttl_s, folder)


def _signed_folder(
    settings: Settings, asset_id: str, grant_id: str, country: str, ttl_s: float, folder: str
) -> dict[str, str]:
    """A folder of the asset, signed for ``ttl_s`` under ``grant_id`` (a session's or a
    download's id), on each edge steered for ``country`` by label, nearest first."""
    prefix = delivery.asset_prefix(asset_id, folder)
    signed = delivery.sign_path(settings, prefix=prefix, session_id=grant_id, ttl_s=ttl_s)
    return {
        manifest.edge_label(edge.name): f"{edge.url.rstrip('/')}{signed}"
        for edge in delivery.edges_for(settings, country=country)
    }


def download_mpd(
    session: Session,
    *,
    settings: Settings,
    storage: ObjectStore,
    grant: DownloadGrant,
    license_url: str,
) -> str:
    """A download's MPD: the renditions up to ``grant.max_height`` and its chosen tracks
    (``grant.tracks``), its licence URL, and its segments signed under the download's id for
    ``playback_session_ttl_s`` (the device fetches them now, while it downloads)."""
    assets = media.asset_manifests(session, asset_id=grant.asset_id)
    ttl_s = settings.playback_session_ttl_s
    return manifest.session_mpd(
        storage.get_bytes(assets.dash).decode(),
        max_height=grant.max_height,
        license_url=license_url,
        tracks=grant.tracks,
        folder_urls=lambda folder: list(
            _signed_folder(
                settings, grant.asset_id, grant.download_id, grant.country, ttl_s, folder
            ).values()
        ),
    )
