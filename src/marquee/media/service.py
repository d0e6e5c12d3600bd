"""The media domain's public face: start an ingest, read assets, find content keys.

Other domains call these functions (never the models or the repository). Playback uses
:func:`asset_manifests` for what to play and :func:`content_key` to answer licence requests.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from marquee.kit.db import new_id
from marquee.kit.errors import Conflict, NotFound, Problem
from marquee.kit.queue import enqueue
from marquee.kit.storage import ObjectStore
from marquee.media import repository as repo
from marquee.media.encrypt import ContentKey
from marquee.media.events import AssetReady, RenditionSummary
from marquee.media.keystore import DatabaseKeyStore, key_encryption_key, key_store
from marquee.media.ladder import LadderSpec, Rung
from marquee.media.models import READY, Asset, ContentKeyRow
from marquee.media.qc import QCLimits
from marquee.media.schemas import (
    AssetManifests,
    AssetOut,
    IngestRendition,
    IngestResult,
    InputFile,
    RenditionOut,
    StepOut,
)
from marquee.settings import Settings, default_ladder

#: Steps every asset has from the start (encode steps are added once the ladder is planned).
INITIAL_STEPS = (("probe", 0), ("qc", 1), ("package", 1000), ("thumbnails", 1001))
ANALYSE_JOB = "media.analyse"


def new_asset_id() -> str:
    return new_id()


def source_prefix(asset_id: str) -> str:
    """Where an ingest's input files go in the object store."""
    return f"sources/{asset_id}/"


def asset_prefix(asset_id: str) -> str:
    """Where the published package of an asset lives."""
    return f"assets/{asset_id}/"


def work_prefix(asset_id: str) -> str:
    """Intermediate files (renditions, converted subtitles), deleted once packaged."""
    return f"work/{asset_id}/"


def ladder_spec(settings: Settings) -> LadderSpec:
    """The ladder from settings (``MARQUEE_MEDIA_LADDER``, ``MARQUEE_MEDIA_PRESET``…)."""
    return LadderSpec(
        rungs=tuple(Rung.model_validate(r) for r in fixed_rungs(settings)),
        audio_bitrate_kbps=settings.media_audio_bitrate_kbps,
        preset=settings.media_preset,
    )


def fixed_rungs(settings: Settings) -> list[dict[str, str | int]]:
    """The fixed ladder's rungs: the settings' own list, else the default table (which is
    also what per-title mode probes at and falls back to)."""
    ladder = settings.media_ladder
    return ladder if isinstance(ladder, list) else default_ladder()


def per_title(settings: Settings) -> bool:
    """Whether rungs are chosen per title (``MARQUEE_MEDIA_LADDER=per-title``)."""
    return settings.media_ladder == "per-title"


def qc_limits(settings: Settings) -> QCLimits:
    return QCLimits(
        min_duration_s=settings.media_qc_min_duration_s,
        max_duration_s=settings.media_qc_max_duration_s,
        max_width=settings.media_qc_max_width,
        max_height=settings.media_qc_max_height,
        min_fps=settings.media_qc_min_fps,
        max_fps=settings.media_qc_max_fps,
    )


def _check_language(language: str) -> str:
    language = language.strip()
    if not language or len(language) > 16 or not language.replace("-", "").isalnum():
        raise Problem(f"{language!r} is not a language tag (use e.g. en, fra, pt-BR)")
    return language


def start_ingest(
    session: Session,
    *,
    storage: ObjectStore,
    source_key: str,
    title_hint: str | None = None,
    title_id: str | None = None,
    episode_id: str | None = None,
    audio: list[InputFile] | None = None,
    subtitles: list[InputFile] | None = None,
    clear: bool = False,
    publish_requested: bool = False,
    asset_id: str | None = None,
) -> AssetOut:
    """Create the asset and its steps and enqueue the first job (sent after commit).

    ``source_key`` and the extra files must already be in ``storage`` (the CLI and the studio
    put them under :func:`source_prefix`). Returns the asset as the API shows it.
    """
    for key in [source_key, *(f.key for f in [*(audio or []), *(subtitles or [])])]:
        if not storage.exists(key):
            raise NotFound(f"no object stored under {key!r}")
    asset_id = asset_id or new_asset_id()
    if session.get(Asset, asset_id) is not None:
        raise Conflict(f"asset {asset_id} exists already")
    asset = Asset(
        id=asset_id,
        title_id=title_id,
        episode_id=episode_id,
        title_hint=title_hint or posixpath.basename(source_key),
        source_key=source_key,
        audio_inputs=[{"language": _check_language(f.language), "key": f.key} for f in audio or []],
        subtitle_inputs=[
            {"language": _check_language(f.language), "key": f.key} for f in subtitles or []
        ],
        clear=clear,
        publish_requested=publish_requested,
        chunks=[],
        renditions=[],
        audio_languages=[],
        subtitle_languages=[],
    )
    session.add(asset)
    session.flush()
    repo.add_steps(session, asset_id, INITIAL_STEPS)
    repo.queue_step(session, asset_id, "probe")
    enqueue(session, ANALYSE_JOB, asset_id=asset_id)
    return _asset_out(session, asset)


def get_asset(session: Session, *, asset_id: str) -> AssetOut:
    """The asset with its steps, QC report and renditions; NotFound if there is none."""
    asset = repo.get_asset(session, asset_id)
    if asset is None:
        raise NotFound(f"no media asset {asset_id}")
    return _asset_out(session, asset)


def asset_status(session: Session, *, asset_id: str) -> str:
    """``pending``, ``processing``, ``ready`` or ``failed``."""
    asset = repo.get_asset(session, asset_id)
    if asset is None:
        raise NotFound(f"no media asset {asset_id}")
    return asset.status


def asset_manifests(session: Session, *, asset_id: str) -> AssetManifests:
    """What a player needs for a ready asset; NotFound unless it is ready."""
    asset = repo.get_asset(session, asset_id)
    if asset is None or asset.status != READY or not asset.dash_key or not asset.hls_key:
        raise NotFound(f"no ready media asset {asset_id}")
    return AssetManifests(
        asset_id=asset.id,
        dash=asset.dash_key,
        hls=asset.hls_key,
        encrypted=not asset.clear,
        key_ids=_key_ids(asset),
        renditions=[RenditionOut.model_validate(r) for r in asset.renditions],
        audio_languages=list(asset.audio_languages),
        subtitle_languages=list(asset.subtitle_languages),
        poster=asset.poster_key,
        trickplay=asset.trickplay_key,
        duration_s=asset.duration_s or 0.0,
    )


def asset_key_ids(session: Session, *, asset_id: str) -> list[str]:
    """Key ids (32 hex digits) the asset's package is encrypted with, its SD key (the audio's)
    first; empty when clear."""
    asset = repo.get_asset(session, asset_id)
    if asset is None:
        raise NotFound(f"no media asset {asset_id}")
    return _key_ids(asset)


def key_ids_for_heights(session: Session, *, asset_id: str, heights: Collection[int]) -> list[str]:
    """The key ids a player of the renditions of these heights needs: the SD key (the audio's,
    and every rendition's in an asset packaged before tiers) and those renditions' tier keys."""
    asset = repo.get_asset(session, asset_id)
    if asset is None:
        raise NotFound(f"no media asset {asset_id}")
    return _key_ids(asset, heights)


def _key_ids(asset: Asset, heights: Collection[int] | None = None) -> list[str]:
    if not asset.key_id:
        return []
    renditions = [
        r for r in asset.renditions or [] if heights is None or r.get("height") in heights
    ]
    tiers = [kid for r in renditions if (kid := r.get("key_id"))]
    return list(dict.fromkeys([asset.key_id, *tiers]))


def content_key(session: Session, *, settings: Settings, kid: str) -> ContentKey | None:
    """The content key for a key id (hex, dashes allowed), unwrapped; None if unknown.

    For the licence service only: the result must never be logged or stored.
    """
    return key_store(settings).by_kid(session, kid)


def wrapped_content_keys(session: Session) -> list[dict[str, str]]:
    """Every content key as stored, still wrapped by the KEK (for backups; nothing unwrapped)."""
    rows = session.scalars(select(ContentKeyRow).order_by(ContentKeyRow.kid))
    return [
        {
            "kid": row.kid,
            "asset_id": row.asset_id,
            "tier": row.tier,
            "wrapped_key": row.wrapped_key.hex(),
            "kek_id": row.kek_id,
        }
        for row in rows
    ]


def key_encryption_key_id(settings: Settings) -> str:
    """The fingerprint of the KEK these settings give: keys wrapped under another one cannot be
    unwrapped (a restore onto a platform with another master key or secret)."""
    return DatabaseKeyStore(key_encryption_key(settings)).kek_id


def ingest_result(asset: AssetOut) -> IngestResult:
    """The ``marquee ingest --json`` shape."""
    return IngestResult(
        asset_id=asset.id,
        title_id=asset.title_id,
        status=asset.status,
        duration_s=asset.duration_s,
        renditions=[
            IngestRendition.model_validate(r, from_attributes=True) for r in asset.renditions
        ],
        dash=asset.dash,
        hls=asset.hls,
        qc=asset.qc,
    )


def ready_payload(asset: Asset) -> AssetReady:
    """The payload of ``media.asset_ready``."""
    return AssetReady(
        asset_id=asset.id,
        title_id=asset.title_id,
        episode_id=asset.episode_id,
        title_hint=asset.title_hint,
        publish_requested=asset.publish_requested,
        duration_s=asset.duration_s,
        renditions=[
            RenditionSummary.model_validate({k: r.get(k) for k in RenditionSummary.model_fields})
            for r in asset.renditions
        ],
        audio_languages=list(asset.audio_languages),
        subtitle_languages=list(asset.subtitle_languages),
        dash=asset.dash_key,
        hls=asset.hls_key,
        poster_key=asset.poster_key,
        trickplay_key=asset.trickplay_key,
        key_ids=_key_ids(asset),
    )


def _asset_out(session: Session, asset: Asset) -> AssetOut:
    return AssetOut(
        id=asset.id,
        title_id=asset.title_id,
        episode_id=asset.episode_id,
        title_hint=asset.title_hint,
        status=asset.status,
        failed_step=asset.failed_step,
        error=asset.error,
        clear=asset.clear,
        publish_requested=asset.publish_requested,
        source_key=asset.source_key,
        duration_s=asset.duration_s,
        qc=asset.qc,
        renditions=[RenditionOut.model_validate(r) for r in asset.renditions or []],
        dash=asset.dash_key,
        hls=asset.hls_key,
        poster=asset.poster_key,
        trickplay=asset.trickplay_key,
        audio_languages=list(asset.audio_languages or []),
        subtitle_languages=list(asset.subtitle_languages or []),
        key_ids=_key_ids(asset),
        created_at=asset.created_at,
        finished_at=asset.finished_at,
        steps=[StepOut.model_validate(s) for s in repo.steps(session, asset.id)],
        per_title_ladder=(asset.ladder or {}).get("per_title"),
    )


def assets_by_title(session: Session, *, title_id: str) -> list[AssetOut]:
    """Every asset ingested for a catalog title, newest first."""
    found = session.scalars(
        select(Asset).where(Asset.title_id == title_id).order_by(Asset.created_at.desc())
    )
    return [_asset_out(session, a) for a in found]
