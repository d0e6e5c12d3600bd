"""Guardrails, every worker process's tick: a running experiment whose guardrail is breached
is stopped with the reason. Stopping twice is refused by the state check, so several processes
may run it at once (the loser's transaction rolls back)."""

from __future__ import annotations

import logging
from typing import Any

from marquee.experiments import service
from marquee.kit.queue import periodic

log = logging.getLogger(__name__)
GUARD_INTERVAL_S = 3600.0


@periodic("experiments.guard", interval_s=GUARD_INTERVAL_S)
def guard(platform: Any) -> None:
    with platform.db.transaction() as session:
        for key in service.stop_breached(session, platform):
            log.warning("experiment %s stopped: a guardrail is breached", key)
