"""The cluster suite's topology (tests/cluster/topology.py), started once for the faults."""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest

from marquee import migrate
from tests.cluster.topology import Cluster, running
from tests.conftest import empty_database
from tests.services import POSTGRES_URL, need

#: The topology now running, so that a failing test's report can say what its nodes logged.
_RUNNING: list[Cluster] = []


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The whole topology on a fresh database of the local PostgreSQL. Module-scoped: its
    thirteen processes stop when the faults module ends, not when the whole run does."""
    need("postgresql")
    with empty_database(POSTGRES_URL, "postgresql") as database_url:
        root = tmp_path_factory.mktemp("cluster")
        with running(root, database_url, lambda: migrate.upgrade(database_url)) as topology:
            _RUNNING.append(topology)
            try:
                yield topology
            finally:
                _RUNNING.remove(topology)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failure on the topology comes with the load balancer's error log and, for each of
    Marquee's nodes, whether it still runs and the end of its log: a 502 alone says nothing."""
    report = yield
    if report.failed and _RUNNING:
        report.sections.append(("cluster logs", _RUNNING[-1].describe()))
    return report
