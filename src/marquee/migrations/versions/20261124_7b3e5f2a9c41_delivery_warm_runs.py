"""delivery warm runs

Revision ID: 7b3e5f2a9c41
Revises: 059cc78526c9
Create Date: 2026-11-24 08:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marquee.kit.db

revision: str = "7b3e5f2a9c41"
down_revision: str | None = "059cc78526c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_warm_runs",
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("region", "day", name=op.f("pk_delivery_warm_runs")),
    )


def downgrade() -> None:
    op.drop_table("delivery_warm_runs")
