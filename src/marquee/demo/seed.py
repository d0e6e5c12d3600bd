"""Seed a platform with the demo: the catalog of :mod:`marquee.demo.catalog`, generated clips
ingested through the media pipeline (encrypted, as any title), artwork, and two accounts.

Everything goes through the domains' service functions, as the studio and ``marquee ingest``
do. Seeding comes in two parts: :func:`prepare` (the titles, as drafts, and the accounts: a
few seconds) and :func:`make_media` (a clip per film and episode through the pipeline: minutes),
which ``marquee demo`` runs while it serves; the catalog publishes each title when its media
are ready. Both are safe to repeat: the catalog import matches titles on their external keys,
media are made only for films and episodes that have none ready or in the pipeline, artwork
only for titles without it, and accounts once.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.orm import Session

from marquee.catalog import feeds, importer
from marquee.catalog.schemas import (
    CreditRecord,
    EpisodeCreate,
    LocalizedText,
    RatingRecord,
    SeasonRecord,
    StudioTitle,
    TitleRecord,
    WindowIn,
)
from marquee.catalog.studio.artwork import add_artwork
from marquee.catalog.studio.titles import list_titles
from marquee.catalog.views import studio_view
from marquee.demo.accounts import ADMIN, VIEWER, Credentials, create_accounts
from marquee.demo.catalog import TITLES, DemoTitle
from marquee.demo.clips import ARTWORK, make_clip, make_still
from marquee.identity import service as identity
from marquee.media import service as media
from marquee.media.schemas import AssetOut
from marquee.runtime import Platform

ACTOR = "demo"
KEY_PREFIX = "demo:"
#: Licence windows of the demo open on this date.
WINDOWS_OPEN = datetime(2020, 1, 1, tzinfo=UTC)
POLL_S = 0.25
#: How long the catalog may take to attach finished media (an event after each asset).
ATTACH_TIMEOUT_S = 60.0
BASE_TONE_HZ = 330
TONE_STEP_HZ = 55

#: Called as media are made: ``(label, None)`` while a clip is generated, then with the asset
#: each time its pipeline is polled.
Progress = Callable[[str, AssetOut | None], None]


@dataclass(frozen=True)
class DemoSeed:
    viewer: Credentials
    admin: Credentials
    #: slug (``paper-moons``) → catalog title id
    titles: dict[str, str]


class DemoError(Exception):
    """Seeding could not finish (a clip failed in the pipeline, the catalog did not attach it)."""


@dataclass(frozen=True)
class _Clip:
    """The video of a film, or of one episode (``code`` S1E2) of a series."""

    demo: DemoTitle
    title_id: str
    episode_id: str | None
    code: str | None
    asset_id: str | None
    tone_hz: int
    #: The title's artwork is made from this clip (the title's first, when it has none).
    artwork: bool

    @property
    def label(self) -> str:
        return f"{self.demo.title} {self.code}" if self.code else self.demo.title

    @property
    def caption(self) -> str:
        return f"{self.demo.title}\n{self.code}" if self.code else self.demo.title


class DemoStatus(BaseModel):
    """How far the demo's media are: titles published with all their media, and the rest."""

    titles_ready: int
    titles_preparing: int


def is_seeded(platform: Platform) -> bool:
    """Has a seed finished on this platform (accounts made, every title playable)?"""
    with platform.db.sessions() as session:
        if not identity.account_exists(session, email=ADMIN.email):
            return False
    return status(platform).titles_preparing == 0


def status(platform: Platform) -> DemoStatus:
    """Count the demo's titles ready to play and those still being prepared."""
    ready = sum(_playable(_view(platform, title_id)) for title_id in _title_ids(platform).values())
    return DemoStatus(titles_ready=ready, titles_preparing=len(TITLES) - ready)


def seed(
    platform: Platform,
    *,
    clip_seconds: float = 30,
    height: int = 720,
    progress: Progress | None = None,
) -> DemoSeed:
    """Seed the demo into ``platform`` and wait until every title is published and playable.

    The media pipeline runs as queued jobs: ``platform`` must run workers
    (``platform.start(worker=True)``), or other processes' workers must serve its queue.
    """
    titles = prepare(platform)
    make_media(platform, titles, clip_seconds=clip_seconds, height=height, progress=progress)
    return DemoSeed(viewer=VIEWER, admin=ADMIN, titles=titles)


def prepare(platform: Platform) -> dict[str, str]:
    """Import the demo titles (drafts until their media are ready) and make the accounts; the
    title ids by slug. Takes seconds: sign-in works as soon as this returns."""
    titles = _import_catalog(platform)
    create_accounts(platform)
    return titles


def make_media(
    platform: Platform,
    titles: dict[str, str],
    *,
    clip_seconds: float = 30,
    height: int = 720,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Make a clip for every film and episode without media and wait until every title is
    published and playable; return early once ``stop`` is set (the pipeline's queued jobs go
    on at the next start). Clips already in the pipeline (an earlier, interrupted run) are
    waited for, not made again."""
    report = progress or (lambda label, asset: None)
    stopping = stop or threading.Event()
    clips = [clip for clip in _clips(_views(platform, titles)) if clip.asset_id is None]
    assets = _in_pipeline(platform, clips)
    with tempfile.TemporaryDirectory(prefix="marquee-demo-") as work:
        for clip in clips:
            if stopping.is_set():
                return
            if clip.label not in assets:
                report(clip.label, None)
                assets[clip.label] = _ingest(platform, clip, Path(work), clip_seconds, height)
            _poll(platform, assets, report)
    while _poll(platform, assets, report):
        if stopping.wait(POLL_S):
            return
    _wait_until_playable(platform, titles)


# --- catalog ---------------------------------------------------------------------------------


def _record(demo: DemoTitle) -> TitleRecord:
    """The catalog's import record of a demo title (a draft: media publish it when ready)."""
    return TitleRecord(
        external_key=f"{KEY_PREFIX}{demo.slug}",
        kind="series" if demo.seasons else "movie",
        original_title=demo.title,
        original_language=demo.language,
        synopsis=demo.synopsis,
        release_year=demo.year,
        genres=list(demo.genres),
        localizations={
            language: LocalizedText(title=title, synopsis=synopsis)
            for language, (title, synopsis) in demo.translations.items()
        },
        credits=[
            CreditRecord(name=demo.director, role="director"),
            *(CreditRecord(name=name, role="actor") for name in demo.cast),
        ],
        ratings=[RatingRecord(territory=t, system=s, value=v) for t, s, v in demo.ratings],
        windows=[WindowIn(territories=list(demo.territories), starts_at=WINDOWS_OPEN)],
        seasons=[
            SeasonRecord(
                number=season,
                episodes=[
                    EpisodeCreate(number=number, original_title=name)
                    for number, name in enumerate(episodes, start=1)
                ],
            )
            for season, episodes in enumerate(demo.seasons, start=1)
        ],
    )


def _import_catalog(platform: Platform) -> dict[str, str]:
    """Create the demo titles not created yet (an editor's later changes stay); all their ids
    by slug."""
    existing = _title_ids(platform)
    new = [demo for demo in TITLES if demo.slug not in existing]
    rows = [feeds.Row(line, _record(demo)) for line, demo in enumerate(new, start=1)]
    report = importer.import_rows(platform.db, platform.settings, rows, partial=False)
    if report.errors:
        raise DemoError(f"the demo catalog does not import: {report.errors}")
    return _title_ids(platform)


def _title_ids(platform: Platform) -> dict[str, str]:
    found: dict[str, str] = {}
    with platform.db.sessions() as session:
        for demo in TITLES:
            titles, _ = list_titles(session, status=None, search=demo.title, limit=50, offset=0)
            key = f"{KEY_PREFIX}{demo.slug}"
            found.update((demo.slug, t.id) for t in titles if t.external_key == key)
    return found


def _views(platform: Platform, titles: dict[str, str]) -> list[StudioTitle]:
    return [_view(platform, titles[demo.slug]) for demo in TITLES]


def _view(platform: Platform, title_id: str) -> StudioTitle:
    with platform.db.sessions() as session:
        return studio_view(session, title_id=title_id)


def _playable(view: StudioTitle) -> bool:
    """Published, with media attached to the film or to every episode."""
    if view.status != "published":
        return False
    if not view.seasons:
        return view.asset_id is not None
    return all(episode.asset_id for season in view.seasons for episode in season.episodes)


def _clips(views: list[StudioTitle]) -> list[_Clip]:
    """Every film and episode of the demo, in catalog order, each with its own tone."""
    clips: list[_Clip] = []
    for demo, view in zip(TITLES, views, strict=True):
        has_artwork = any(a.source == "upload" for a in view.artwork)
        wanted: list[tuple[str | None, str | None, str | None]] = []
        if not view.seasons:
            wanted.append((None, None, view.asset_id))
        wanted += [
            (e.id, f"S{s.number}E{e.number}", e.asset_id) for s in view.seasons for e in s.episodes
        ]
        for n, (episode_id, code, asset_id) in enumerate(wanted):
            tone_hz = BASE_TONE_HZ + TONE_STEP_HZ * len(clips)
            artwork = n == 0 and not has_artwork
            clips.append(_Clip(demo, view.id, episode_id, code, asset_id, tone_hz, artwork))
    return clips


# --- media -----------------------------------------------------------------------------------


def _ingest(platform: Platform, clip: _Clip, work: Path, seconds: float, height: int) -> str:
    """Make the clip, store it as a source and start the pipeline on it; the asset's id."""
    name = f"{clip.demo.slug}-{clip.code or 'film'}"
    path = make_clip(
        work / f"{name}.mp4",
        look=clip.demo.look,
        caption=clip.caption,
        tone_hz=clip.tone_hz,
        seconds=seconds,
        height=height,
    )
    asset_id = media.new_asset_id()
    key = f"{media.source_prefix(asset_id)}source.mp4"
    platform.storage.upload_from(str(path), key, content_type="video/mp4")
    with platform.db.transaction() as session:
        media.start_ingest(
            session,
            storage=platform.storage,
            source_key=key,
            title_hint=clip.label,
            title_id=clip.title_id,
            episode_id=clip.episode_id,
            publish_requested=True,
            asset_id=asset_id,
        )
        if clip.artwork:
            _add_artwork(session, platform, clip, path)
    return asset_id


def _add_artwork(session: Session, platform: Platform, clip: _Clip, path: Path) -> None:
    for kind, width, height in ARTWORK:
        caption = clip.demo.title.replace(" ", "\n") if height > width else clip.demo.title
        image = make_still(
            path,
            path.with_name(f"{path.stem}-{kind}.jpg"),
            caption=caption,
            width=width,
            height=height,
        )
        add_artwork(
            session,
            storage=platform.storage,
            actor=ACTOR,
            title_id=clip.title_id,
            kind=kind,
            language="",
            data=image,
            max_pixels=platform.settings.catalog_artwork_max_pixels,
        )


def _in_pipeline(platform: Platform, clips: list[_Clip]) -> dict[str, str]:
    """The assets, by clip label, that an earlier run started for ``clips`` and that have not
    failed (a failed one is made again)."""
    found: dict[str, str] = {}
    with platform.db.sessions() as session:
        for clip in clips:
            for asset in media.assets_by_title(session, title_id=clip.title_id):
                if asset.episode_id == clip.episode_id and asset.status != "failed":
                    found.setdefault(clip.label, asset.id)
    return found


def _poll(platform: Platform, assets: dict[str, str], report: Progress) -> bool:
    """Report every asset once; True while some are still in the pipeline."""
    pending = False
    with platform.db.sessions() as session:
        for label, asset_id in assets.items():
            asset = media.get_asset(session, asset_id=asset_id)
            report(label, asset)
            if asset.status == "failed":
                raise DemoError(
                    f"{label}: the pipeline failed at {asset.failed_step}: {asset.error}"
                )
            pending = pending or asset.status != "ready"
    return pending


def _wait_until_playable(platform: Platform, titles: dict[str, str]) -> None:
    """Wait for the catalog to attach the media and publish the titles (events, after commit)."""
    deadline = time.monotonic() + ATTACH_TIMEOUT_S
    while True:
        if all(_playable(view) for view in _views(platform, titles)):
            return
        if time.monotonic() > deadline:
            raise DemoError(f"the catalog did not publish the demo within {ATTACH_TIMEOUT_S:g} s")
        time.sleep(POLL_S)
