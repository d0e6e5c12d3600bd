"""identity: accounts, profiles, plans, subscriptions, mailed tokens

Revision ID: cf3514ed3ce1
Revises: 938496cd3451
Create Date: 2026-11-24 06:20:06.384162
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marquee.kit.db

revision: str = "cf3514ed3ce1"
down_revision: str | None = "938496cd3451"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plans are data: prices per month in minor units by ISO 4217 currency.
PLANS = [
    {
        "id": "basic",
        "name": "Basic",
        "max_streams": 1,
        "max_height": 720,
        "download_devices": 1,
        "rank": 1,
        "prices": {"USD": 799, "EUR": 799, "GBP": 699},
    },
    {
        "id": "standard",
        "name": "Standard",
        "max_streams": 2,
        "max_height": 1080,
        "download_devices": 2,
        "rank": 2,
        "prices": {"USD": 1549, "EUR": 1399, "GBP": 1199},
    },
    {
        "id": "premium",
        "name": "Premium",
        "max_streams": 4,
        "max_height": 2160,
        "download_devices": 6,
        "rank": 3,
        "prices": {"USD": 2299, "EUR": 1999, "GBP": 1899},
    },
]


def upgrade() -> None:
    op.create_table(
        "identity_accounts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("email_verified_at", marquee.kit.db.UTCDateTime(), nullable=True),
        sa.Column("totp_secret", sa.Text(), nullable=True),
        sa.Column("recovery_codes", sa.JSON(), nullable=False),
        sa.Column("created_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.Column("password_changed_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_identity_accounts_email")),
    )
    op.create_table(
        "identity_plans",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("max_streams", sa.Integer(), nullable=False),
        sa.Column("max_height", sa.Integer(), nullable=False),
        sa.Column("download_devices", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("prices", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_plans")),
    )
    op.create_table(
        "identity_email_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("expires_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.Column("used_at", marquee.kit.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_email_tokens_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_email_tokens")),
    )
    with op.batch_alter_table("identity_email_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_email_tokens_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "identity_profiles",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("avatar", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("maturity", sa.String(length=8), nullable=False),
        sa.Column("pin_hash", sa.String(length=255), nullable=True),
        sa.Column("created_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_profiles_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_profiles")),
    )
    with op.batch_alter_table("identity_profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_profiles_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "identity_subscriptions",
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
            name=op.f("fk_identity_subscriptions_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["identity_plans.id"],
            name=op.f("fk_identity_subscriptions_plan_id_identity_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_subscriptions")),
        sa.UniqueConstraint("account_id", name=op.f("uq_identity_subscriptions_account_id")),
    )
    plans = sa.table(
        "identity_plans",
        sa.column("id", sa.String),
        sa.column("name", sa.String),
        sa.column("max_streams", sa.Integer),
        sa.column("max_height", sa.Integer),
        sa.column("download_devices", sa.Integer),
        sa.column("rank", sa.Integer),
        sa.column("prices", sa.JSON),
    )
    op.bulk_insert(plans, PLANS)


def downgrade() -> None:
    op.drop_table("identity_subscriptions")
    with op.batch_alter_table("identity_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_profiles_account_id"))

    op.drop_table("identity_profiles")
    with op.batch_alter_table("identity_email_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_email_tokens_account_id"))

    op.drop_table("identity_email_tokens")
    op.drop_table("identity_plans")
    op.drop_table("identity_accounts")
