"""How pytest-xdist shares the tests between its workers (``make test`` runs two).

Tests are handed out a module at a time, so a module-wide fixture is built once. Folders whose
tests share a session-wide fixture (a seeded platform, a browser, a stripe server, encoded
sources, a topology of processes) go to one worker whole, so that fixture is built once too.
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

SHARED_FIXTURE_FOLDERS = (
    "tests/cluster",
    "tests/e2e/players",
    "tests/e2e/studio",
    "tests/e2e/web",
    "tests/integration/billing",
    "tests/integration/delivery",
    "tests/integration/media",
)


def work_unit(nodeid: str) -> str:
    """The unit one worker runs whole: the test's shared-fixture folder, else its module."""
    module = nodeid.split("::", 1)[0]
    return next((f for f in SHARED_FIXTURE_FOLDERS if module.startswith(f"{f}/")), module)


class ByModuleAndSharedFolder(LoadScopeScheduling):
    def _split_scope(self, nodeid: str) -> str:
        return work_unit(nodeid)
