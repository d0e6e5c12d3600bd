"""``marquee backup`` on the database servers: PostgreSQL through pg_dump/pg_restore, MariaDB
through mariadb-dump and the mariadb client. An account made before the backup is there after
a restore onto an empty database; a database that is not empty is refused, or replaced with
--force."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from marquee import migrate
from marquee.identity import service as identity
from marquee.kit.db import Database
from marquee.settings import load_settings
from tests.conftest import empty_database
from tests.integration.platform.test_backup_errors import env_of
from tests.integration.platform.test_backup_errors import run as run_marquee
from tests.services import MARIADB_URL, POSTGRES_URL

pytestmark = pytest.mark.integration
SERVERS = {"postgresql": POSTGRES_URL, "mariadb": MARIADB_URL}
EMAIL = "kept@example.com"


@pytest.fixture(params=sorted(SERVERS))
def two_databases(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    with ExitStack() as stack:
        admin = SERVERS[request.param]
        yield (
            stack.enter_context(empty_database(admin, request.param)),
            stack.enter_context(empty_database(admin, request.param)),
        )


def run(data_dir: Path, database_url: str, *args: str) -> tuple[int, str]:
    return run_marquee(env_of(data_dir, MARQUEE_DATABASE_URL=database_url), *args)


def has_account(database_url: str) -> bool:
    db = Database(database_url)
    try:
        with db.sessions() as session:
            return identity.account_exists(session, email=EMAIL)
    finally:
        db.dispose()


def test_a_server_database_is_backed_up_and_restored(
    two_databases: tuple[str, str], tmp_path: Path
) -> None:
    original, target = two_databases
    settings = load_settings(data_dir=tmp_path / "original", database_url=original, env="test")
    migrate.upgrade(original)
    db = Database(original)
    with db.transaction() as session:
        identity.register_account(
            session, settings=settings, email=EMAIL, password="correct horse battery staple"
        )
    db.dispose()
    code, output = run(tmp_path / "original", original, "backup", "create", str(tmp_path / "b"))
    assert code == 0, output

    code, output = run(tmp_path / "target", target, "backup", "restore", str(tmp_path / "b"))
    assert code == 0, output
    assert has_account(target)
    migrate.ensure_current(target)

    code, output = run(tmp_path / "target", target, "backup", "restore", str(tmp_path / "b"))
    assert code == 1
    assert "the database is not empty" in output
    code, output = run(
        tmp_path / "target", target, "backup", "restore", str(tmp_path / "b"), "--force"
    )
    assert code == 0, output
    assert has_account(target)
