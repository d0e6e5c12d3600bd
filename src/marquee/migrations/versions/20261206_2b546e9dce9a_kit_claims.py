"""kit claims: work one process at a time may do, held with a renewed lease

``kit_claims`` holds a row per claimed piece of work (a media pipeline step): who holds it
and until when (kit.claims).

Revision ID: 2b546e9dce9a
Revises: b3f1c7d92e4a
Create Date: 2026-12-06 12:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marquee.kit.db

revision: str = "2b546e9dce9a"
down_revision: str | None = "b3f1c7d92e4a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kit_claims",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_kit_claims")),
    )


def downgrade() -> None:
    op.drop_table("kit_claims")
