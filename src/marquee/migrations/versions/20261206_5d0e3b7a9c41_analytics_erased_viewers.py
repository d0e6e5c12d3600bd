"""analytics: erased viewers instead of a ledger of event ids

The lake no longer keeps a row per event id (readers count each id once instead, see
docs/analytics.md); it keeps the pseudonyms of deleted accounts and profiles, so that no event
written after their erasure brings their rows back. The old ledger held event ids, not
pseudonyms: the rows of accounts erased before this revision stay erased, but an event of
theirs delivered again after it would be written again.

Revision ID: 5d0e3b7a9c41
Revises: f2b8d4a61c39
Create Date: 2026-12-06 14:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marquee.kit.db

revision: str = "5d0e3b7a9c41"
down_revision: str | None = "f2b8d4a61c39"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_erased_viewers",
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("erased_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", name=op.f("pk_analytics_erased_viewers")),
    )
    op.drop_table("analytics_lake_events")


def downgrade() -> None:
    op.create_table(
        "analytics_lake_events",
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_analytics_lake_events")),
    )
    op.drop_table("analytics_erased_viewers")
