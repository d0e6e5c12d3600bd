"""Experiments' tests run on analytics' world: a platform on SQLite with a local lake and
signed-in callers (tests/integration/analytics/conftest.py)."""

from tests.integration.analytics.conftest import world

__all__ = ["world"]
