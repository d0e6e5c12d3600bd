"""What domains may use of the running platform: its settings and its backends.

The composition root (``runtime.Platform``) builds them; routers (through
``request.app.state.platform``) and event subscribers (``subscribe(platform)``) name this
protocol instead, so that no domain imports the composition root.
"""

from __future__ import annotations

from typing import Protocol

from marquee.kit.cache import Cache
from marquee.kit.db import Database
from marquee.kit.events import EventBus
from marquee.kit.storage import ObjectStore
from marquee.settings import Settings


class Plumbing(Protocol):
    settings: Settings
    db: Database
    cache: Cache
    storage: ObjectStore
    events: EventBus
