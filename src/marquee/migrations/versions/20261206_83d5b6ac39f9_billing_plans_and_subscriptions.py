"""billing: plans and subscriptions move from identity, every row kept

``identity_plans`` and ``identity_subscriptions`` become ``billing_plans`` and
``billing_subscriptions``, their keys and indexes renamed to match (the naming convention of
``marquee.kit.db``). PostgreSQL and MariaDB rename in place; MariaDB cannot rename a foreign key,
so those are dropped and made again. SQLite cannot rename a constraint either, so there the
tables are made anew and the rows copied across, as Alembic's batch mode would.

Revision ID: 83d5b6ac39f9
Revises: 7b3e5f2a9c41
Create Date: 2026-12-06 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marquee.kit.db

revision: str = "83d5b6ac39f9"
down_revision: str | None = "7b3e5f2a9c41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAN_COLUMNS = ("id", "name", "max_streams", "max_height", "download_devices", "rank", "prices")
SUBSCRIPTION_COLUMNS = (
    "id",
    "account_id",
    "plan_id",
    "status",
    "started_at",
    "trial_ends_at",
    "current_period_end",
    "canceled_at",
)


def upgrade() -> None:
    _move("identity", "billing")


def downgrade() -> None:
    _move("billing", "identity")


def _names(prefix: str) -> dict[str, str]:
    """The tables' constraint and index names when they belong to ``prefix``'s domain."""
    return {
        "plans_pk": f"pk_{prefix}_plans",
        "pk": f"pk_{prefix}_subscriptions",
        "uq": f"uq_{prefix}_subscriptions_account_id",
        "fk_account": f"fk_{prefix}_subscriptions_account_id_identity_accounts",
        "fk_plan": f"fk_{prefix}_subscriptions_plan_id_{prefix}_plans",
    }


def _move(old: str, new: str) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _copy(old, new)
        return
    op.rename_table(f"{old}_plans", f"{new}_plans")
    op.rename_table(f"{old}_subscriptions", f"{new}_subscriptions")
    if dialect == "postgresql":
        _rename_constraints(old, new)
    else:
        _remake_mysql_keys(old, new)


def _rename_constraints(old: str, new: str) -> None:
    """PostgreSQL: a primary key or unique constraint renames its index with it."""
    before, after = _names(old), _names(new)
    for key, name in before.items():
        table = f"{new}_plans" if key == "plans_pk" else f"{new}_subscriptions"
        op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {name} TO {after[key]}")


def _remake_mysql_keys(old: str, new: str) -> None:
    """MariaDB/MySQL: primary keys are all called PRIMARY; the unique index renames in place;
    foreign keys are dropped and made again. The index InnoDB made for the plan's key is named
    after the key: it is renamed too (MariaDB would remake it under the new key's name, MySQL
    would keep the old one)."""
    before, after = _names(old), _names(new)
    table = f"{new}_subscriptions"
    op.drop_constraint(before["fk_account"], table, type_="foreignkey")
    op.drop_constraint(before["fk_plan"], table, type_="foreignkey")
    op.execute(f"ALTER TABLE {table} RENAME INDEX {before['uq']} TO {after['uq']}")
    op.execute(f"ALTER TABLE {table} RENAME INDEX {before['fk_plan']} TO {after['fk_plan']}")
    op.create_foreign_key(
        after["fk_account"], table, "identity_accounts", ["account_id"], ["id"], ondelete="CASCADE"
    )
    op.create_foreign_key(after["fk_plan"], table, f"{new}_plans", ["plan_id"], ["id"])


def _copy(old: str, new: str) -> None:
    """SQLite: new tables, the rows copied, the old tables dropped (subscriptions first, so no
    row ever points at a plan that is not there)."""
    names = _names(new)
    op.create_table(
        f"{new}_plans",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("max_streams", sa.Integer(), nullable=False),
        sa.Column("max_height", sa.Integer(), nullable=False),
        sa.Column("download_devices", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("prices", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=names["plans_pk"]),
    )
    op.create_table(
        f"{new}_subscriptions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("plan_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.Column("trial_ends_at", marquee.kit.db.UTCDateTime(), nullable=True),
        sa.Column("current_period_end", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.Column("canceled_at", marquee.kit.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=names["fk_account"],
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["plan_id"], [f"{new}_plans.id"], name=names["fk_plan"]),
        sa.PrimaryKeyConstraint("id", name=names["pk"]),
        sa.UniqueConstraint("account_id", name=names["uq"]),
    )
    for kind, columns in (("plans", PLAN_COLUMNS), ("subscriptions", SUBSCRIPTION_COLUMNS)):
        source = sa.table(f"{old}_{kind}", *(sa.column(c) for c in columns))
        target = sa.table(f"{new}_{kind}", *(sa.column(c) for c in columns))
        op.execute(target.insert().from_select(list(columns), sa.select(*source.c)))
    op.drop_table(f"{old}_subscriptions")
    op.drop_table(f"{old}_plans")
