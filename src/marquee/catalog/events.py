"""Events the catalog publishes (after commit, at least once; handlers must be idempotent)."""

from __future__ import annotations

TITLE_PUBLISHED = "catalog.title_published"
"""``{"title_id": str}``: viewers may now see the title (where and while a window allows)."""

TITLE_UPDATED = "catalog.title_updated"
"""``{"title_id": str}``: something viewers can see of a published title changed."""

TITLE_UNPUBLISHED = "catalog.title_unpublished"
"""``{"title_id": str, "status": str}``: the title left the service (now draft or retired)."""
