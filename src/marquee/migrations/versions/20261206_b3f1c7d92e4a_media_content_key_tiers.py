"""media content keys: one per quality tier of an asset

``media_content_keys`` gains ``tier`` (``sd``, ``hd``, ``uhd``); an asset may have one key per
tier instead of one in all. An existing key becomes its asset's ``sd`` key: it encrypted every
rendition of an asset packaged before tiers, and it keeps decrypting them (docs/media.md).

Revision ID: b3f1c7d92e4a
Revises: e4a9c2f71b3d
Create Date: 2026-12-06 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3f1c7d92e4a"
down_revision: str | None = "e4a9c2f71b3d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("media_content_keys") as batch:
        batch.add_column(
            sa.Column("tier", sa.String(length=8), server_default="sd", nullable=False)
        )
        batch.drop_constraint("uq_media_content_keys_asset_id", type_="unique")
        # The naming convention names a constraint after its first column: the same name.
        batch.create_unique_constraint("uq_media_content_keys_asset_id", ["asset_id", "tier"])


def downgrade() -> None:
    op.execute("DELETE FROM media_content_keys WHERE tier <> 'sd'")
    with op.batch_alter_table("media_content_keys") as batch:
        batch.drop_constraint("uq_media_content_keys_asset_id", type_="unique")
        batch.create_unique_constraint("uq_media_content_keys_asset_id", ["asset_id"])
        batch.drop_column("tier")
