"""Platform-wide API fixtures: the catalog's app and its signed-in callers by role."""

from tests.integration.catalog.conftest import (  # noqa: F401 (fixtures, used by name)
    app,
    callers,
    catalog_settings,
    platform,
)
