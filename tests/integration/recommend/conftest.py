"""Recommend's fixtures: discovery's (callers, the studio that publishes and plays titles)."""

from __future__ import annotations

from tests.integration.discovery import conftest as discovery

app, callers, editor, platform = (
    discovery.app,
    discovery.callers,
    discovery.editor,
    discovery.platform,
)
catalog_settings, studio = discovery.catalog_settings, discovery.studio
