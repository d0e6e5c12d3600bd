"""The lake's upkeep, every worker process's tick: retention, then compaction. Both are safe
to run in several processes at once (:mod:`.upkeep`)."""

from __future__ import annotations

from typing import Any

from marquee.analytics import service
from marquee.kit.queue import periodic

TIDY_INTERVAL_S = 600.0


@periodic("analytics.tidy_lake", interval_s=TIDY_INTERVAL_S)
def tidy_lake(platform: Any) -> None:
    service.tidy_lake(platform)
