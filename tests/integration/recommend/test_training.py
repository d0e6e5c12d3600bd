"""The retraining tick: it trains when the version is due, once, and publishes a pointer."""

from __future__ import annotations

from marquee.recommend.tasks import retrain_if_due
from marquee.recommend.training import current_pointer
from marquee.runtime import Platform
from tests.integration.discovery.conftest import DURATION_S, Callers, Studio, profile_of


def test_the_tick_retrains_when_due_and_only_then(
    studio: Studio, callers: Callers, platform: Platform
) -> None:
    viewer = callers()
    studio.play(viewer, studio.title(f"Trained On {studio.tag}"), position_s=DURATION_S / 2)
    assert retrain_if_due(platform)
    pointer = current_pointer(platform.storage)
    assert pointer is not None
    assert pointer.model == "ease-recency"
    assert not retrain_if_due(platform), "a fresh version is not due"
    artifact = platform.storage.get_bytes(pointer.key)
    assert profile_of(viewer).encode() not in artifact, "no profile id leaves the database"
    stale = platform.settings.model_copy(update={"recommend_retrain_interval_s": 0.001})
    platform.settings = stale
    assert retrain_if_due(platform)
    assert current_pointer(platform.storage) != pointer
