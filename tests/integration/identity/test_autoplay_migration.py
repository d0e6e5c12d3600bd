"""The profiles' ``autoplay_next`` column arrives on every backend with autoplay on for the
profiles that existed, and goes again on downgrade, keeping the profiles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from marquee import migrate
from marquee.kit.db import UTCDateTime, create_db_engine
from tests.conftest import DATABASE_BACKENDS, empty_database
from tests.services import MARIADB_URL, POSTGRES_URL

AUTOPLAY = "a7c41e9b2d58"
BEFORE = str(
    ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    .get_revision(AUTOPLAY)
    .down_revision
)
T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture(params=DATABASE_BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'autoplay.db'}"
        return
    admin = POSTGRES_URL if request.param == "postgresql" else MARIADB_URL
    with empty_database(admin, request.param) as made:
        yield made


def _add_a_profile(engine: sa.Engine) -> None:
    times = (
        sa.column("created_at", UTCDateTime()),
        sa.column("password_changed_at", UTCDateTime()),
    )
    accounts = sa.table(
        "identity_accounts",
        *(sa.column(c) for c in ("id", "email", "password_hash", "role")),
        sa.column("recovery_codes", sa.JSON()),
        *times,
    )
    profiles = sa.table(
        "identity_profiles",
        *(sa.column(c) for c in ("id", "account_id", "name", "avatar", "language", "maturity")),
        sa.column("created_at", UTCDateTime()),
    )
    with engine.begin() as connection:
        connection.execute(
            accounts.insert(),
            {
                "id": "1" * 32,
                "email": "before@example.com",
                "password_hash": "x",
                "role": "viewer",
                "recovery_codes": [],
                "created_at": T0,
                "password_changed_at": T0,
            },
        )
        connection.execute(
            profiles.insert(),
            {
                "id": "2" * 32,
                "account_id": "1" * 32,
                "name": "Before",
                "avatar": "",
                "language": "en",
                "maturity": "adult",
                "created_at": T0,
            },
        )


def _profiles(engine: sa.Engine) -> list[tuple[object, ...]]:
    columns = {c["name"] for c in sa.inspect(engine).get_columns("identity_profiles")}
    wanted = [c for c in ("name", "autoplay_next") if c in columns]
    table = sa.table("identity_profiles", *(sa.column(c) for c in wanted))
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.select(*table.c))]


def test_existing_profiles_keep_autoplay_on_and_a_downgrade_keeps_them(url: str) -> None:
    migrate.upgrade(url, BEFORE)
    engine = create_db_engine(url)
    try:
        _add_a_profile(engine)
        migrate.upgrade(url, AUTOPLAY)
        assert [(name, bool(on)) for name, on in _profiles(engine)] == [("Before", True)]

        command.downgrade(migrate.alembic_config(url), BEFORE)
        assert _profiles(engine) == [("Before",)]
    finally:
        engine.dispose()
