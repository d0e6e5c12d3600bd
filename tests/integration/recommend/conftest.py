"""Recommend's fixtures: discovery's (callers, the studio that publishes and plays titles),
with rows of two titles, so that a handful of titles fill several rows."""

from __future__ import annotations

import pytest

from marquee.settings import Settings
from tests.integration.catalog.conftest import GEO
from tests.integration.discovery import conftest as discovery

app, callers, editor, platform = (
    discovery.app,
    discovery.callers,
    discovery.editor,
    discovery.platform,
)
studio = discovery.studio


@pytest.fixture
def catalog_settings(settings: Settings) -> Settings:
    updates = {
        "geo_networks": GEO,
        "discovery_reindex_on_start": False,
        "discovery_row_size": 2,
    }
    return settings.model_copy(update=updates)
