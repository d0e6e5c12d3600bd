"""Plans and subscriptions move from identity's tables to billing's with every row, and back on
downgrade, on every database backend; the keys hold afterwards and match the models."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from marquee import domains, migrate
from marquee.kit.db import Base, UTCDateTime, create_db_engine
from tests.conftest import DATABASE_BACKENDS, empty_database
from tests.services import MARIADB_URL, POSTGRES_URL

MOVE = "83d5b6ac39f9"
BEFORE = str(
    ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    .get_revision(MOVE)
    .down_revision
)
T0 = datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture(params=DATABASE_BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'move.db'}"
        return
    admin = POSTGRES_URL if request.param == "postgresql" else MARIADB_URL
    with empty_database(admin, request.param) as made:
        yield made


def _fill(engine: Engine) -> None:
    """Three accounts, a plan of the operator's beside the seeded ones, and subscriptions in
    every shape (trialing, canceled, with and without their optional times)."""
    accounts = sa.table(
        "identity_accounts",
        *(sa.column(c) for c in ("id", "email", "password_hash", "role", "totp_secret")),
        sa.column("email_verified_at", UTCDateTime()),
        sa.column("recovery_codes", sa.JSON()),
        sa.column("created_at", UTCDateTime()),
        sa.column("password_changed_at", UTCDateTime()),
    )
    plans = sa.table(
        "identity_plans",
        *(sa.column(c) for c in ("id", "name", "max_streams", "max_height", "download_devices")),
        sa.column("rank"),
        sa.column("prices", sa.JSON()),
    )
    times = ("started_at", "trial_ends_at", "current_period_end", "canceled_at")
    subscriptions = sa.table(
        "identity_subscriptions",
        *(sa.column(c) for c in ("id", "account_id", "plan_id", "status")),
        *(sa.column(c, UTCDateTime()) for c in times),
    )
    with engine.begin() as connection:
        connection.execute(
            accounts.insert(),
            [
                {
                    "id": f"{n:032x}",
                    "email": f"viewer{n}@example.com",
                    "password_hash": "x",
                    "role": "viewer",
                    "totp_secret": None,
                    "email_verified_at": T0 if n % 2 else None,
                    "recovery_codes": [],
                    "created_at": T0,
                    "password_changed_at": T0,
                }
                for n in (1, 2, 3)
            ],
        )
        connection.execute(
            plans.insert(),
            [
                {
                    "id": "family",
                    "name": "Famille élargie",
                    "max_streams": 6,
                    "max_height": 2160,
                    "download_devices": 10,
                    "rank": 4,
                    "prices": {"EUR": 2599, "JPY": 3980},
                }
            ],
        )
        connection.execute(
            subscriptions.insert(),
            [
                {
                    "id": "a" * 32,
                    "account_id": f"{1:032x}",
                    "plan_id": "basic",
                    "status": "trialing",
                    "started_at": T0,
                    "trial_ends_at": T0 + timedelta(days=7),
                    "current_period_end": T0 + timedelta(days=7),
                    "canceled_at": None,
                },
                {
                    "id": "b" * 32,
                    "account_id": f"{2:032x}",
                    "plan_id": "family",
                    "status": "canceled",
                    "started_at": T0 - timedelta(days=40),
                    "trial_ends_at": None,
                    "current_period_end": T0 + timedelta(days=20, microseconds=1),
                    "canceled_at": T0,
                },
                {
                    "id": "c" * 32,
                    "account_id": f"{3:032x}",
                    "plan_id": "premium",
                    "status": "past_due",
                    "started_at": T0,
                    "trial_ends_at": None,
                    "current_period_end": T0 + timedelta(days=30),
                    "canceled_at": None,
                },
            ],
        )


def _rows(engine: Engine, domain: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of the two tables, every column as the database holds it, by table."""
    found = {}
    inspector = sa.inspect(engine)
    with engine.connect() as connection:
        for kind in ("plans", "subscriptions"):
            name = f"{domain}_{kind}"
            table = sa.table(name, *(sa.column(c["name"]) for c in inspector.get_columns(name)))
            query = sa.select(*table.c).order_by(table.c.id)
            found[kind] = [dict(row._mapping) for row in connection.execute(query)]
    return found


def _tables(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _keys_named_for(engine: Engine, domain: str) -> bool:
    """Do the subscriptions' foreign keys and unique constraint carry ``domain``'s names?"""
    inspector = sa.inspect(engine)
    table = f"{domain}_subscriptions"
    foreign = {fk["name"] for fk in inspector.get_foreign_keys(table)}
    unique = {uq["name"] for uq in inspector.get_unique_constraints(table)}
    return (foreign, unique) == (
        {f"fk_{table}_account_id_identity_accounts", f"fk_{table}_plan_id_{domain}_plans"},
        {f"uq_{table}_account_id"},
    )


def _schema_differences(engine: Engine) -> list[Any]:
    """What ``marquee db check`` would report about billing's tables."""
    domains.load_models()
    ours = {"billing_plans", "billing_subscriptions"}

    def include(item: Any, name: str | None, kind: str, reflected: bool, other: Any) -> bool:
        return (name if kind == "table" else item.table.name) in ours

    with engine.connect() as connection:
        options = {"compare_type": True, "include_object": include}
        context = MigrationContext.configure(connection, opts=options)
        return list(compare_metadata(context, Base.metadata))


def test_plans_and_subscriptions_move_to_billing_and_back(url: str) -> None:
    migrate.upgrade(url, BEFORE)
    engine = create_db_engine(url)
    try:
        _fill(engine)
        held = _rows(engine, "identity")
        assert [len(rows) for rows in held.values()] == [4, 3]

        migrate.upgrade(url, MOVE)
        assert _rows(engine, "billing") == held
        assert not {"identity_plans", "identity_subscriptions"} & _tables(engine)
        assert _keys_named_for(engine, "billing")

        command.downgrade(migrate.alembic_config(url), BEFORE)
        assert _rows(engine, "identity") == held
        assert not {"billing_plans", "billing_subscriptions"} & _tables(engine)
        assert _keys_named_for(engine, "identity")

        migrate.upgrade(url, MOVE)
        assert _rows(engine, "billing") == held
        _keys_hold(engine)
        migrate.upgrade(url)  # billing's later migrations, over these rows
        assert _schema_differences(engine) == []
    finally:
        engine.dispose()


def _keys_hold(engine: Engine) -> None:
    """After the move an account's deletion still takes its subscription with it, and a
    subscription still needs a plan that exists."""
    subscriptions = sa.table("billing_subscriptions", sa.column("id"), sa.column("plan_id"))
    with engine.begin() as connection:
        gone = {"id": f"{2:032x}"}
        connection.execute(sa.text("DELETE FROM identity_accounts WHERE id = :id"), gone)
        left = connection.execute(sa.select(subscriptions.c.id).order_by(subscriptions.c.id))
        assert [row.id for row in left] == ["a" * 32, "c" * 32]
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(
            subscriptions.update().where(subscriptions.c.id == "a" * 32).values(plan_id="nope")
        )
