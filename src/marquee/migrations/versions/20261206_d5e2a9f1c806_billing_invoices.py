"""billing: invoices and credit notes, numbered without gaps per series

Revision ID: d5e2a9f1c806
Revises: 5d0e3b7a9c41
Create Date: 2026-12-06 15:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marquee.kit.db

revision: str = "d5e2a9f1c806"
down_revision: str | None = "5d0e3b7a9c41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "billing_invoice_series",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_billing_invoice_series")),
    )
    op.create_table(
        "billing_invoices",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("customer_email", sa.String(length=320), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("issued_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.Column("plan_id", sa.String(length=32), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("net", sa.Integer(), nullable=False),
        sa.Column("tax", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("provider_ref", sa.String(length=255), nullable=True),
        sa.Column("payment_ref", sa.String(length=255), nullable=True),
        sa.Column("credited_invoice_id", sa.String(length=32), nullable=True),
        sa.Column("refunded", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_billing_invoices_account_id_identity_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["credited_invoice_id"],
            ["billing_invoices.id"],
            name=op.f("fk_billing_invoices_credited_invoice_id_billing_invoices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_billing_invoices_number")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_billing_invoices_idempotency_key")),
        sa.UniqueConstraint("provider", "provider_ref", name="uq_billing_invoice_provider_ref"),
    )
    with op.batch_alter_table("billing_invoices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_billing_invoices_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_billing_invoices_credited_invoice_id"),
            ["credited_invoice_id"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("billing_invoices")
    op.drop_table("billing_invoice_series")
