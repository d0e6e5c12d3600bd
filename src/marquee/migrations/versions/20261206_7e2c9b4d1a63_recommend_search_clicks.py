"""recommend: search clicks, a profile's signal from the search page

Revision ID: 7e2c9b4d1a63
Revises: 9c3e5a1f7d24
Create Date: 2026-12-06 16:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marquee.kit.db

revision: str = "7e2c9b4d1a63"
down_revision: str | None = "9c3e5a1f7d24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recommend_search_clicks",
        sa.Column("profile_id", sa.String(length=32), nullable=False),
        sa.Column("title_id", sa.String(length=32), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("profile_id", "title_id", name=op.f("pk_recommend_search_clicks")),
    )
    op.create_index("ix_recommend_search_clicks_at", "recommend_search_clicks", ["at"])


def downgrade() -> None:
    op.drop_index("ix_recommend_search_clicks_at", table_name="recommend_search_clicks")
    op.drop_table("recommend_search_clicks")
