"""Fixtures of the plumbing tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from marquee.kit.db import Database


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A :class:`Database` on each backend."""
    database = Database(database_url)
    yield database
    database.dispose()
