"""analytics: the lake's ledger (its Parquet files and the ids of the events in them)

Revision ID: e4a9c2f71b3d
Revises: a7c41e9b2d58
Create Date: 2026-12-06 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marquee.kit.db

revision: str = "e4a9c2f71b3d"
down_revision: str | None = "a7c41e9b2d58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_lake_files",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_analytics_lake_files")),
    )
    op.create_index(
        op.f("ix_analytics_lake_files_day"), "analytics_lake_files", ["day"], unique=False
    )
    op.create_table(
        "analytics_lake_events",
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_analytics_lake_events")),
    )


def downgrade() -> None:
    op.drop_table("analytics_lake_events")
    op.drop_index(op.f("ix_analytics_lake_files_day"), table_name="analytics_lake_files")
    op.drop_table("analytics_lake_files")
