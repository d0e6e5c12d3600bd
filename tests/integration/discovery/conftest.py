"""Discovery API fixtures: the catalog's callers and editor, plus titles published through
the studio API and played through playback's API (the outbox relayed by hand)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from marquee.kit.events import publish
from marquee.media.events import ASSET_READY
from marquee.media.models import READY, Asset
from marquee.media.service import ready_payload
from marquee.runtime import Platform
from marquee.settings import Settings
from tests.integration.catalog import conftest as catalog
from tests.integration.catalog.conftest import GEO, Caller, Callers

__all__ = ["Caller", "Callers", "Studio", "profile_of", "relay", "search"]

# the catalog's fixtures, shared
app, callers, editor, platform = catalog.app, catalog.callers, catalog.editor, catalog.platform

OPEN = "2000-01-01T00:00:00Z"
#: Media that plays a title for an hour; a play stops a minute in (in progress).
DURATION_S, POSITION_S = 3600.0, 60.0


@pytest.fixture
def catalog_settings(settings: Settings) -> Settings:
    updates = {"geo_networks": GEO, "discovery_reindex_on_start": False}
    return settings.model_copy(update=updates)


def relay(platform: Platform) -> None:
    while platform.relay.relay_once():
        pass


class Studio:
    """Publishes titles through the studio API and plays them through playback's API."""

    def __init__(self, editor: Caller, platform: Platform) -> None:
        self.editor, self.platform = editor, platform
        self.tag = uuid.uuid4().hex[:6]
        self.playable: set[str] = set()

    def title(
        self,
        name: str,
        *,
        synopsis: str = "",
        language: str = "en",
        territories: tuple[str, ...] = ("WORLD",),
        rating: str | None = None,
        genres: tuple[str, ...] = (),
        people: tuple[str, ...] = (),
        localizations: dict[str, dict[str, str]] | None = None,
        starts_at: str = OPEN,
        ends_at: str | None = None,
    ) -> str:
        body = {
            "kind": "movie",
            "original_title": name,
            "original_language": language,
            "synopsis": synopsis,
            "genres": list(genres),
            "localizations": localizations or {},
        }
        title_id = self._ok("POST", "/titles", body)["id"]
        window = {"territories": list(territories), "starts_at": starts_at, "ends_at": ends_at}
        self._ok("POST", f"/titles/{title_id}/windows", window)
        if rating:
            self._ok("PUT", f"/titles/{title_id}/ratings/US", {"value": rating})
        if people:
            credits = [{"person_id": self.person(n), "role": "actor"} for n in people]
            self._ok("PUT", f"/titles/{title_id}/credits", credits)
        self._ok("POST", f"/titles/{title_id}/publish", None)
        relay(self.platform)
        return str(title_id)

    def person(self, name: str) -> str:
        return str(self._ok("POST", "/people", {"name": name})["id"])

    def edit(self, method: str, path: str, body: Any) -> None:
        self._ok(method, path, body)
        relay(self.platform)

    def play(
        self, viewer: Caller, title_id: str, times: int = 1, position_s: float = POSITION_S
    ) -> None:
        """``times`` playback sessions of the viewer's profile, each moved to ``position_s``
        by a heartbeat: plays for the rankings and a position for Continue Watching."""
        for _ in range(times):
            self.heartbeat(viewer, self.start(viewer, title_id), position_s)

    def start(self, viewer: Caller, title_id: str) -> str:
        """A playback session of the viewer's profile (subscribed if need be); its id."""
        self._attach_media(title_id)
        plan = viewer.request("PUT", "/api/v1/account/subscription", json={"plan_id": "standard"})
        assert plan.is_success, plan.text
        body = {"title_id": title_id, "profile_id": profile_of(viewer)}
        started = viewer.request("POST", "/api/v1/playback/sessions", json=body)
        assert started.status_code == 201, started.text
        relay(self.platform)
        return str(started.json()["session_id"])

    def heartbeat(
        self, viewer: Caller, session_id: str, position_s: float, state: str = "playing"
    ) -> None:
        beat = {"position_s": position_s, "state": state}
        path = f"/api/v1/playback/sessions/{session_id}/heartbeat"
        answer = viewer.request("POST", path, json=beat)
        assert answer.status_code == 204, answer.text
        relay(self.platform)

    def _attach_media(self, title_id: str) -> None:
        """A ready media asset for the title, handed to the catalog as media hands it on."""
        if title_id in self.playable:
            return
        asset = Asset(
            title_id=title_id,
            source_key="sources/test.mp4",
            status=READY,
            duration_s=DURATION_S,
            dash_key="assets/test/manifest.mpd",
            hls_key="assets/test/master.m3u8",
        )
        with self.platform.db.transaction() as session:
            session.add(asset)
            session.flush()
            publish(session, ASSET_READY, ready_payload(asset))
        relay(self.platform)
        self.playable.add(title_id)

    def _ok(self, method: str, path: str, body: Any) -> Any:
        response = self.editor.request(method, f"/api/v1/studio{path}", json=body)
        assert response.is_success, response.text
        return response.json() if response.content else None


@pytest.fixture
def studio(editor: Caller, platform: Platform) -> Studio:
    return Studio(editor, platform)


def profile_of(caller: Caller) -> str:
    return str(caller.get("/api/v1/profiles/current").json()["id"])


def search(caller: Caller, q: str, path: str = "/api/v1/search") -> list[str]:
    response = caller.get(path, params={"q": q, "profile_id": profile_of(caller)})
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]
