"""The cluster suite's topology (tests/cluster/topology.py), started once for the faults."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from marquee import migrate
from tests.cluster.topology import Cluster, running
from tests.conftest import empty_database
from tests.services import POSTGRES_URL, need


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The whole topology on a fresh database of the local PostgreSQL. Module-scoped: its
    thirteen processes stop when the faults module ends, not when the whole run does."""
    need("postgresql")
    with empty_database(POSTGRES_URL, "postgresql") as database_url:
        root = tmp_path_factory.mktemp("cluster")
        with running(root, database_url, lambda: migrate.upgrade(database_url)) as topology:
            yield topology
