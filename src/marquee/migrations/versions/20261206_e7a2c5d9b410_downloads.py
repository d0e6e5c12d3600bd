"""downloads: downloads granted to devices, the devices' last visits, and the licence
windows' downloads_allowed

Revision ID: e7a2c5d9b410
Revises: 7e2c9b4d1a63
Create Date: 2026-12-06 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marquee.kit.db

revision: str = "e7a2c5d9b410"
down_revision: str | None = "7e2c9b4d1a63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_windows") as batch:
        batch.add_column(
            sa.Column("downloads_allowed", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_table(
        "downloads_grants",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("profile_id", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("title_id", sa.String(length=32), nullable=False),
        sa.Column("episode_id", sa.String(length=32), nullable=False),
        sa.Column("asset_id", sa.String(length=32), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("quality", sa.String(length=8), nullable=False),
        sa.Column("max_height", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("audio_languages", sa.JSON(), nullable=False),
        sa.Column("subtitle_languages", sa.JSON(), nullable=False),
        sa.Column("expires_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.Column("window_ends_at", marquee.kit.db.UTCDateTime(), nullable=True),
        sa.Column("first_played_at", marquee.kit.db.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", marquee.kit.db.UTCDateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=16), nullable=True),
        sa.Column("created_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_downloads_grants")),
    )
    op.create_index(
        "ix_downloads_grants_account_device", "downloads_grants", ["account_id", "device_id"]
    )
    op.create_index(op.f("ix_downloads_grants_title_id"), "downloads_grants", ["title_id"])
    op.create_table(
        "downloads_devices",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("last_seen_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "device_id", name=op.f("pk_downloads_devices")),
    )


def downgrade() -> None:
    op.drop_table("downloads_devices")
    op.drop_index(op.f("ix_downloads_grants_title_id"), table_name="downloads_grants")
    op.drop_index("ix_downloads_grants_account_device", table_name="downloads_grants")
    op.drop_table("downloads_grants")
    with op.batch_alter_table("catalog_windows") as batch:
        batch.drop_column("downloads_allowed")
