"""Platform-wide API fixtures: one app and signed-in callers by role (as the catalog's tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from marquee.app import create_app
from marquee.runtime import Platform, build_platform
from marquee.settings import Settings
from tests.integration.catalog.conftest import CHEAP_ARGON2, GEO, Callers


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={**CHEAP_ARGON2, "geo_networks": GEO})


@pytest.fixture
def api_platform(api_settings: Settings) -> Iterator[Platform]:
    built = build_platform(api_settings)
    yield built
    built.stop()


@pytest.fixture
def api_app(api_settings: Settings, api_platform: Platform) -> FastAPI:
    application = create_app(api_settings, platform=api_platform)
    application.state.platform = api_platform  # what the lifespan does with a given platform
    return application


@pytest.fixture
def api_callers(
    api_app: FastAPI, api_settings: Settings, api_platform: Platform
) -> Iterator[Callers]:
    made = Callers(api_app, api_settings, api_platform)
    yield made
    for client in made.clients:
        client.close()
