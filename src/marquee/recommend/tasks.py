"""The retraining schedule: every worker process ticks; when the current version is older
than ``recommend_retrain_interval_s`` (or there is none), one of them, holding the
``recommend.retrain`` claim, fits the production model on the signals and publishes it
(``training``). It trains on the tick's own thread: a few minutes every few hours, during which
that process's other periodic ticks wait."""

from __future__ import annotations

import logging
from typing import Any

from marquee.kit.claims import Held, claimed
from marquee.kit.db import utcnow
from marquee.kit.plumbing import Plumbing
from marquee.kit.queue import periodic
from marquee.recommend.training import current_pointer, retrain

log = logging.getLogger(__name__)
TICK_S = 60.0
CLAIM = "recommend.retrain"
LEASE_S = 300.0


@periodic("recommend.retrain", interval_s=TICK_S)
def retrain_when_due(platform: Any) -> None:
    retrain_if_due(platform)


def retrain_if_due(platform: Plumbing) -> bool:
    """Retrain when the current version is due; whether this call did."""
    if not _due(platform):
        return False
    try:
        with claimed(platform.db, CLAIM, lease_s=LEASE_S):
            if not _due(platform):  # another worker retrained between the look and the claim
                return False
            with platform.db.transaction() as session:
                retrain(session, platform.storage)
    except Held:
        return False
    return True


def _due(platform: Plumbing) -> bool:
    pointer = current_pointer(platform.storage)
    if pointer is None:
        return True
    age_s = (utcnow() - pointer.trained_at).total_seconds()
    return age_s >= platform.settings.recommend_retrain_interval_s
