"""The platform's services for one process, built from settings and started by role."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from marquee import domains, migrate
from marquee.delivery.popularity import PlayCounts
from marquee.delivery.revocation import RevokedSessions
from marquee.kit.cache import Cache, open_cache
from marquee.kit.db import Database
from marquee.kit.events import EventBus, open_transport
from marquee.kit.geo import GeoLocator
from marquee.kit.outbox import OutboxRelay
from marquee.kit.queue import JobQueue
from marquee.kit.storage import ObjectStore, open_object_store
from marquee.playback import service as playback
from marquee.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Platform:
    settings: Settings
    db: Database
    storage: ObjectStore
    cache: Cache
    queue: JobQueue
    events: EventBus
    relay: OutboxRelay
    geo: GeoLocator
    #: Plays per title (playback's), handed to delivery's cache warming, a domain below it.
    play_counts: PlayCounts
    #: Sessions whose delivery tokens edges refuse (playback's), handed to delivery likewise.
    revoked_sessions: RevokedSessions
    roles: set[str] = field(default_factory=set)

    def start(self, *, worker: bool, short_threads: int = 4, long_threads: int = 1) -> None:
        """Start the background parts: outbox relay, event consumers and, if asked, job workers."""
        self.relay.start()
        self.events.start()
        if worker:
            self.queue.start_workers(short_threads=short_threads, long_threads=long_threads)

    def stop(self) -> None:
        self.queue.stop()
        self.events.stop()
        self.relay.stop()
        self.cache.close()
        self.geo.close()
        self.db.dispose()


def build_platform(settings: Settings) -> Platform:
    """Connect to every backend named in settings (nothing is started yet).

    Raises :class:`~marquee.migrate.SchemaNotCurrent` when the database needs migrating.
    """
    migrate.ensure_current(settings.resolved_database_url)
    settings.secret()
    domains.load_models()
    domains.load_events()
    domains.load_jobs()
    domains.load_personal_data()
    db = Database(settings.resolved_database_url)
    events = EventBus(open_transport(settings.events_url))
    platform = Platform(
        settings=settings,
        db=db,
        storage=open_object_store(settings.resolved_storage_url),
        cache=open_cache(settings.cache_url),
        queue=JobQueue(settings.resolved_queue_url, db),
        events=events,
        relay=OutboxRelay(db, {}, retention_s=settings.outbox_retention_s),
        geo=GeoLocator(settings.geo_networks, settings.geoip_db),
        play_counts=playback.recent_plays,
        revoked_sessions=playback.revoked_sessions,
    )
    platform.queue.services = platform
    domains.subscribe_all(platform)
    platform.relay.handlers.update({"event": events.relay, "job": platform.queue.relay})
    return platform
