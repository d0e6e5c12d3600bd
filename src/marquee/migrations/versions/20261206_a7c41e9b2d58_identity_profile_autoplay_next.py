"""identity profiles: autoplay_next

Whether the player goes on to the next episode by itself after its countdown; on by default,
so existing profiles keep the behaviour they get from now on.

Revision ID: a7c41e9b2d58
Revises: 5c2e8d41a7b3
Create Date: 2026-12-06 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c41e9b2d58"
down_revision: str | None = "5c2e8d41a7b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identity_profiles") as batch:
        batch.add_column(
            sa.Column("autoplay_next", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_profiles") as batch:
        batch.drop_column("autoplay_next")
