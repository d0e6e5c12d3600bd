"""identity: sign-in sessions and lock-outs in the database

Sessions (with their refresh-token families) and sign-in and PIN lock-outs lived only in the
cache: a flushed or restarted Redis signed every device out and lifted every lock-out. The
cache now keeps copies of the session rows. Sessions of the old cache are not carried over:
devices signed in before this revision sign in again once.

Revision ID: 9c3e5a1f7d24
Revises: b8e3f0a2c915
Create Date: 2026-12-06 16:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marquee.kit.db

revision: str = "9c3e5a1f7d24"
down_revision: str | None = "b8e3f0a2c915"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identity_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("expires_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_sessions_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_sessions")),
    )
    op.create_index(
        op.f("ix_identity_sessions_account_id"), "identity_sessions", ["account_id"], unique=False
    )
    op.create_table(
        "identity_lockouts",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("counted_until", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.Column("locked_until", marquee.kit.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_identity_lockouts")),
    )


def downgrade() -> None:
    op.drop_table("identity_lockouts")
    op.drop_index(op.f("ix_identity_sessions_account_id"), table_name="identity_sessions")
    op.drop_table("identity_sessions")
