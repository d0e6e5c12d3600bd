"""billing: payment providers, vouchers and processed webhooks

Subscriptions gain their provider, its ids, the currency, a pending downgrade, the end of the
grace period after a failed payment and whether the account's one trial is used; vouchers and
who redeemed them; the provider events already applied (webhooks are processed once by id).

Revision ID: a1d8c760e5d4
Revises: a67777266544
Create Date: 2026-12-06 13:44:24.364980
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marquee.kit.db

revision: str = "a1d8c760e5d4"
down_revision: str | None = "a67777266544"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "billing_processed_webhooks",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("processed_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_processed_webhooks")),
    )
    op.create_table(
        "billing_vouchers",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("plan_id", sa.String(length=32), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("expires_at", marquee.kit.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["billing_plans.id"],
            name=op.f("fk_billing_vouchers_plan_id_billing_plans"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_billing_vouchers")),
    )
    op.create_table(
        "billing_voucher_redemptions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("redeemed_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_billing_voucher_redemptions_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["code"],
            ["billing_vouchers.code"],
            name=op.f("fk_billing_voucher_redemptions_code_billing_vouchers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_voucher_redemptions")),
        sa.UniqueConstraint("code", "account_id", name="uq_billing_redemption"),
    )
    with op.batch_alter_table("billing_voucher_redemptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_billing_voucher_redemptions_account_id"), ["account_id"], unique=False
        )

    with op.batch_alter_table("billing_subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("provider", sa.String(length=16), nullable=False, server_default="manual")
        )
        batch_op.add_column(
            sa.Column("currency", sa.String(length=3), nullable=False, server_default="USD")
        )
        batch_op.add_column(sa.Column("customer_ref", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("subscription_ref", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("current_period_start", marquee.kit.db.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("pending_plan_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("grace_ends_at", marquee.kit.db.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("trial_used", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(
            batch_op.f("ix_billing_subscriptions_customer_ref"), ["customer_ref"], unique=False
        )
    # A subscription that had a trial has used the account's one trial.
    op.execute(
        sa.text(
            "UPDATE billing_subscriptions SET trial_used = :yes WHERE trial_ends_at IS NOT NULL"
        ).bindparams(yes=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("billing_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_billing_subscriptions_customer_ref"))
        batch_op.drop_column("trial_used")
        batch_op.drop_column("grace_ends_at")
        batch_op.drop_column("pending_plan_id")
        batch_op.drop_column("current_period_start")
        batch_op.drop_column("subscription_ref")
        batch_op.drop_column("customer_ref")
        batch_op.drop_column("currency")
        batch_op.drop_column("provider")

    with op.batch_alter_table("billing_voucher_redemptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_billing_voucher_redemptions_account_id"))

    op.drop_table("billing_voucher_redemptions")
    op.drop_table("billing_vouchers")
    op.drop_table("billing_processed_webhooks")
