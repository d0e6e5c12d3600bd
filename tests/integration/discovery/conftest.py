"""Discovery API fixtures: the catalog's callers and editor, plus titles published through
the studio API and plays sent as playback events (the outbox relayed by hand)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from marquee.kit.events import publish
from marquee.runtime import Platform
from marquee.settings import Settings
from tests.integration.catalog import conftest as catalog
from tests.integration.catalog.conftest import CHEAP_ARGON2, GEO, Caller, Callers

__all__ = ["Caller", "Callers", "Studio", "profile_of", "relay", "search"]

# the catalog's fixtures, shared
app, callers, editor, platform = catalog.app, catalog.callers, catalog.editor, catalog.platform

OPEN = "2000-01-01T00:00:00Z"


@pytest.fixture
def catalog_settings(settings: Settings) -> Settings:
    updates = {**CHEAP_ARGON2, "geo_networks": GEO, "discovery_reindex_on_start": False}
    return settings.model_copy(update=updates)


def relay(platform: Platform) -> None:
    while platform.relay.relay_once():
        pass


class Studio:
    """Publishes titles through the studio API and plays them as playback would."""

    def __init__(self, editor: Caller, platform: Platform) -> None:
        self.editor, self.platform = editor, platform
        self.tag = uuid.uuid4().hex[:6]

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

    def play(self, profile_id: str, title_id: str, territory: str = "US", times: int = 1) -> None:
        with self.platform.db.transaction() as session:
            for _ in range(times):
                payload = {
                    "profile_id": profile_id,
                    "title_id": title_id,
                    "territory": territory,
                    "at": datetime.now(UTC).isoformat(),
                }
                publish(session, "playback.session_started", payload)
        relay(self.platform)

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
