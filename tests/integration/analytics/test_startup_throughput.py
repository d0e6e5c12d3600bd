"""GET /api/v1/analytics/startup-throughput: a new device's first throughput is what recent
sessions from the caller's country measured, else its delivery region's, else none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marquee.app import create_app
from marquee.runtime import build_platform
from marquee.settings import Settings
from tests.integration.analytics.conftest import World, sample
from tests.integration.viewers import Viewer

URL = "/api/v1/analytics/startup-throughput"


@pytest.fixture
def regional(settings: Settings) -> Iterator[World]:
    """A platform whose callers come from US (the default country), in a region with CA."""
    regions = {"US": ["us-east"], "CA": ["us-east"], "FR": ["eu"]}
    changed = settings.model_copy(update={"delivery_country_regions": regions})
    platform = build_platform(changed)
    with TestClient(create_app(changed, platform=platform), client=("127.0.0.1", 1)) as client:
        yield World(platform, client)
    platform.stop()


def played(world: World, viewer: Viewer, sessions: dict[str, list[float]]) -> None:
    """Per country, one session of ``viewer`` per figure, each sending two samples around it
    (one caller for all: signing in is what costs here)."""
    for country, kbps in sessions.items():
        for figure in kbps:
            session_id = world.session_of(viewer, country=country)
            batch = {
                "events": [sample(throughput_kbps=figure * 0.9), sample(throughput_kbps=figure)]
            }
            url = f"/api/v1/playback/sessions/{session_id}/events"
            assert viewer.call("POST", url, json=batch).status_code == 202
    world.relay()


def test_the_countrys_sessions_give_the_median(regional: World) -> None:
    viewer = regional.caller()
    played(regional, viewer, {"US": [1000, 3000, 5000, 8000, 9000], "FR": [100] * 5})
    answer = viewer.call("GET", URL)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "country": "US",
        "scope": "country",
        "throughput_kbps": 4750,  # the median session: (4500 + 5000) / 2
        "sessions": 5,
    }
    assert answer.headers["cache-control"] == "private, max-age=600"


def test_too_few_in_the_country_falls_back_to_the_region_then_to_none(regional: World) -> None:
    viewer = regional.caller()
    played(regional, viewer, {"US": [2000, 2000], "FR": [100] * 5})
    assert viewer.call("GET", URL).json() == {
        "country": "US",
        "scope": None,
        "throughput_kbps": None,
        "sessions": 2,
    }
    regional.platform.cache.delete_prefix("analytics:startup-throughput:")
    played(regional, viewer, {"CA": [2000, 2000, 2000]})
    assert viewer.call("GET", URL).json() == {
        "country": "US",
        "scope": "region",
        "throughput_kbps": 1900,
        "sessions": 5,
    }


def test_with_no_session_yet_there_is_no_figure(regional: World) -> None:
    answer = regional.caller().call("GET", URL)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "country": "US",
        "scope": None,
        "throughput_kbps": None,
        "sessions": 0,
    }


def test_signed_out_callers_are_refused(world: World) -> None:
    assert world.client.get(URL).status_code == 401
