"""recommend: a profile's signals (thumbs, My List, plays)

Revision ID: c6d1e8f3a2b7
Revises: 2b546e9dce9a
Create Date: 2026-12-06 13:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marquee.kit.db

revision: str = "c6d1e8f3a2b7"
down_revision: str | None = "2b546e9dce9a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recommend_thumbs",
        sa.Column("profile_id", sa.String(length=32), nullable=False),
        sa.Column("title_id", sa.String(length=32), nullable=False),
        sa.Column("thumb", sa.String(length=4), nullable=False),
        sa.Column("at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("profile_id", "title_id", name=op.f("pk_recommend_thumbs")),
    )
    op.create_table(
        "recommend_list",
        sa.Column("profile_id", sa.String(length=32), nullable=False),
        sa.Column("title_id", sa.String(length=32), nullable=False),
        sa.Column("added_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("profile_id", "title_id", name=op.f("pk_recommend_list")),
    )
    op.create_index("ix_recommend_list_profile_added", "recommend_list", ["profile_id", "added_at"])
    op.create_table(
        "recommend_plays",
        sa.Column("profile_id", sa.String(length=32), nullable=False),
        sa.Column("title_id", sa.String(length=32), nullable=False),
        sa.Column("territory", sa.String(length=2), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("fraction", sa.Float(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("abandoned", sa.Boolean(), nullable=False),
        sa.Column("at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("profile_id", "title_id", name=op.f("pk_recommend_plays")),
    )
    op.create_index("ix_recommend_plays_at", "recommend_plays", ["at"])


def downgrade() -> None:
    op.drop_index("ix_recommend_plays_at", table_name="recommend_plays")
    op.drop_table("recommend_plays")
    op.drop_index("ix_recommend_list_profile_added", table_name="recommend_list")
    op.drop_table("recommend_list")
    op.drop_table("recommend_thumbs")
