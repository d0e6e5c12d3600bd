"""Catalog API fixtures: one platform, callers in several countries, accounts by role."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from marquee.app import create_app
from marquee.identity import service as identity
from marquee.identity.schemas import Maturity, Role
from marquee.runtime import Platform, build_platform
from marquee.settings import Settings

PASSWORD = "correct horse battery staple"
ADDRESSES = {"FR": "127.0.0.2", "US": "127.0.0.3", "DE": "127.0.0.4", "JP": "127.0.0.5"}
GEO = ",".join(f"{ip}/32={country}" for country, ip in ADDRESSES.items())


@pytest.fixture
def catalog_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"geo_networks": GEO})


@pytest.fixture
def platform(catalog_settings: Settings) -> Iterator[Platform]:
    built = build_platform(catalog_settings)
    yield built
    built.stop()


@pytest.fixture
def app(catalog_settings: Settings, platform: Platform) -> FastAPI:
    application = create_app(catalog_settings, platform=platform)
    application.state.platform = platform  # what the lifespan does with a given platform
    return application


@dataclass
class Caller:
    """A signed-in account calling from one country."""

    client: TestClient
    headers: dict[str, str]

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kwargs)


class Callers:
    """Makes callers: ``callers("editor")``, ``callers(country="FR", maturity="kids")``."""

    def __init__(self, app: FastAPI, settings: Settings, platform: Platform) -> None:
        self.app, self.settings, self.platform = app, settings, platform
        self.clients: list[TestClient] = []

    def client(self, country: str = "US") -> TestClient:
        client = TestClient(self.app, client=(ADDRESSES[country], 50000))
        self.clients.append(client)
        return client

    def __call__(
        self,
        role: Role = "viewer",
        *,
        country: str = "US",
        maturity: Maturity = "adult",
        language: str = "en",
    ) -> Caller:
        email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
        with self.platform.db.transaction() as session:
            identity.register_account(
                session,
                settings=self.settings,
                email=email,
                password=PASSWORD,
                role=role,
                verified=True,
            )
        client = self.client(country)
        tokens = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
        profile = client.get("/api/v1/profiles", headers=headers).json()[0]["id"]
        update = {"maturity": maturity, "language": language}
        assert client.patch(f"/api/v1/profiles/{profile}", json=update, headers=headers).is_success
        selected = client.post(f"/api/v1/profiles/{profile}/select", json={}, headers=headers)
        assert selected.is_success
        return Caller(client, headers)


@pytest.fixture
def callers(app: FastAPI, catalog_settings: Settings, platform: Platform) -> Iterator[Callers]:
    made = Callers(app, catalog_settings, platform)
    yield made
    for client in made.clients:
        client.close()


@pytest.fixture
def editor(callers: Callers) -> Caller:
    return callers("editor")


def new_title(editor: Caller, **fields: Any) -> dict[str, Any]:
    """A draft title with a unique name (the database is shared by the whole test session)."""
    body = {
        "kind": "movie",
        "original_title": f"Title {uuid.uuid4().hex[:8]}",
        "original_language": "en",
        **fields,
    }
    response = editor.request("POST", "/api/v1/studio/titles", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def available(editor: Caller, title_id: str, *, territories: list[str] | None = None) -> None:
    """Publish the title with a worldwide (or given) open window starting in the past."""
    window = {"territories": territories or ["WORLD"], "starts_at": "2020-01-01T00:00:00Z"}
    response = editor.request("POST", f"/api/v1/studio/titles/{title_id}/windows", json=window)
    assert response.status_code == 201, response.text
    response = editor.request("POST", f"/api/v1/studio/titles/{title_id}/publish")
    assert response.status_code == 200, response.text


def ready_asset(title_id: str, **changes: Any) -> dict[str, Any]:
    """A ``media.asset_ready`` payload for ``title_id`` (a 90-minute film), with ``changes``."""
    return {
        "asset_id": uuid.uuid4().hex,
        "title_id": title_id,
        "episode_id": None,
        "publish_requested": False,
        "duration_s": 5399.6,
        "audio_languages": ["en", "fr"],
        "subtitle_languages": ["de"],
        "poster_key": "assets/a/poster.jpg",
        "key_ids": [],
        "title_hint": None,
        "renditions": [],
        "dash": None,
        "hls": None,
        "trickplay_key": None,
        **changes,
    }
