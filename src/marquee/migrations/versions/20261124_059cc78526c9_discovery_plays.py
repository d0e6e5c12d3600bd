"""discovery plays

Revision ID: 059cc78526c9
Revises: 515763871a36
Create Date: 2026-11-24 07:15:16.961040
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marquee.kit.db

revision: str = "059cc78526c9"
down_revision: str | None = "515763871a36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discovery_plays",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("profile_id", sa.String(length=32), nullable=False),
        sa.Column("title_id", sa.String(length=32), nullable=False),
        sa.Column("territory", sa.String(length=2), nullable=False),
        sa.Column("at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discovery_plays")),
    )
    with op.batch_alter_table("discovery_plays", schema=None) as batch_op:
        batch_op.create_index("ix_discovery_plays_at_territory", ["at", "territory"], unique=False)
        batch_op.create_index("ix_discovery_plays_profile_at", ["profile_id", "at"], unique=False)
        batch_op.create_index(
            "ix_discovery_plays_title_profile", ["title_id", "profile_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("discovery_plays", schema=None) as batch_op:
        batch_op.drop_index("ix_discovery_plays_title_profile")
        batch_op.drop_index("ix_discovery_plays_profile_at")
        batch_op.drop_index("ix_discovery_plays_at_territory")

    op.drop_table("discovery_plays")
