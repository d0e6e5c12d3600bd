"""Which titles to warm: what a region's territories played lately, then new releases.

This is the one delivery module that reads another domain (the catalog, through its service);
edges and steering never import it, so ``marquee edge`` still runs without it. Plays are
playback's, a domain above delivery: the platform hands them in as :class:`PlayCounts`
(``Platform.play_counts``), so delivery never imports playback.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from marquee.catalog import service as catalog
from marquee.delivery import service
from marquee.delivery.schemas import WarmReport
from marquee.delivery.warming import in_window
from marquee.kit.db import Database
from marquee.kit.errors import NotFound
from marquee.kit.storage import ObjectStore
from marquee.settings import Settings

log = logging.getLogger(__name__)
#: The catalog's territory of worldwide windows: what "every other country" may play.
WORLDWIDE = "WORLD"


class PlayCounts(Protocol):
    """Plays started per title since ``since`` (in ``territory`` when given), most first."""

    def __call__(
        self, session: Session, *, since: datetime, territory: str | None
    ) -> Sequence[tuple[str, int]]: ...


def region_territories(country_regions: dict[str, list[str]], region: str) -> list[str | None]:
    """The countries whose nearest region is ``region``; ``None`` stands for every country
    when the ``*`` entry puts the region first."""
    found: list[str | None] = [
        country
        for country, regions in sorted(country_regions.items())
        if country != "*" and regions[:1] == [region]
    ]
    if country_regions.get("*", [])[:1] == [region]:
        found.append(None)
    return found


def popular_titles(
    session: Session,
    *,
    plays: PlayCounts,
    territories: list[str | None],
    now: datetime,
    lookback: timedelta,
    limit: int,
) -> list[str]:
    """Titles by plays in ``territories`` (step decay: the last half and last quarter of the
    look-back count again), most first."""
    scores: Counter[str] = Counter()
    for territory in territories:
        for window in (lookback, lookback / 2, lookback / 4):
            for title_id, count in plays(session, since=now - window, territory=territory):
                scores[title_id] += count
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [title_id for title_id, _ in ranked[:limit]]


def new_releases(
    session: Session,
    *,
    territories: list[str | None],
    now: datetime,
    newer_than: timedelta,
    limit: int,
) -> list[str]:
    """The newest titles playable in ``territories`` published since ``now - newer_than``."""
    newest: list[str] = []
    for territory in territories:
        for title_id in catalog.visible_title_ids(
            session, territory=territory or WORLDWIDE, maturity="adult", at=now
        )[:limit]:
            if title_id not in newest:
                newest.append(title_id)
    published = {t.id: t.published_at for t in catalog.published_titles(session, title_ids=newest)}
    since = now - newer_than
    fresh = [t for t in newest if (at := published.get(t)) is not None and _utc(at) >= since]
    return fresh[:limit]


def title_asset(
    session: Session, *, title_id: str, territories: list[str | None], now: datetime
) -> str | None:
    """The asset a viewer starts the title with (a series: its first episode), if playable in
    one of ``territories``."""
    episodes = catalog.episode_order(session, title_id=title_id)
    for territory in territories:
        try:
            return catalog.playable_asset(
                session,
                title_id=title_id,
                territory=territory or WORLDWIDE,
                maturity="adult",
                episode_id=episodes[0] if episodes else None,
                at=now,
            )
        except NotFound:
            continue
    return None


def choose_assets(
    session: Session, *, settings: Settings, plays: PlayCounts, region: str, now: datetime
) -> list[str]:
    """Assets to warm in ``region``, in push order: popular titles, then new releases."""
    territories = region_territories(settings.delivery_country_regions, region)
    lookback = timedelta(hours=settings.delivery_warm_lookback_h)
    titles = popular_titles(
        session,
        plays=plays,
        territories=territories,
        now=now,
        lookback=lookback,
        limit=settings.delivery_warm_titles,
    )
    newer_than = timedelta(days=settings.delivery_warm_new_days)
    for title_id in new_releases(
        session,
        territories=territories,
        now=now,
        newer_than=newer_than,
        limit=settings.delivery_warm_new_releases,
    ):
        if title_id not in titles:
            titles.append(title_id)
    assets: list[str] = []
    for title_id in titles:
        asset_id = title_asset(session, title_id=title_id, territories=territories, now=now)
        if asset_id is not None and asset_id not in assets:
            assets.append(asset_id)
    return assets


def warm_popular(
    settings: Settings,
    storage: ObjectStore,
    db: Database,
    region: str,
    *,
    plays: PlayCounts,
    budget_bytes: int | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    progress: service.WarmProgress = lambda fraction, reports: None,
) -> list[WarmReport]:
    """Warm ``region``'s edges with the assets :func:`choose_assets` picks, within the off-peak
    window (none pushed outside it; a push stops when it closes), the byte budget and the
    bandwidth cap. ``clock`` tells the time (UTC); ``progress`` follows each edge."""
    started = clock()
    window = settings.delivery_warm_window
    if not in_window(window, started):
        log.info("cache warming of %s skipped: %s is outside %s UTC", region, started, window)
        return []
    with db.sessions() as session:
        assets = choose_assets(session, settings=settings, plays=plays, region=region, now=started)
    log.info("cache warming of %s: %d assets", region, len(assets))
    return service.warm_region(
        settings,
        storage=storage,
        region=region,
        asset_ids=assets,
        budget_bytes=budget_bytes or settings.delivery_warm_budget_bytes,
        rate_bytes_s=settings.delivery_warm_rate_bytes_s,
        allowed=lambda: in_window(window, clock()),
        progress=progress,
    )


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
