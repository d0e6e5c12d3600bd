"""catalog artwork: variants

An artwork's ``variant``: "" for the image everyone sees (every existing row), a name for an
alternate that an experiment's variant shows on cards; a title keeps one image per kind,
language and variant.

Revision ID: b8e3f0a2c915
Revises: d5e2a9f1c806
Create Date: 2026-12-06 16:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8e3f0a2c915"
down_revision: str | None = "d5e2a9f1c806"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNIQUE = "uq_catalog_artwork_title_id"


def upgrade() -> None:
    with op.batch_alter_table("catalog_artwork") as batch:
        batch.add_column(sa.Column("variant", sa.String(32), server_default="", nullable=False))
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.create_unique_constraint(UNIQUE, ["title_id", "kind", "language", "variant"])


def downgrade() -> None:
    op.execute("DELETE FROM catalog_artwork WHERE variant <> ''")
    with op.batch_alter_table("catalog_artwork") as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.create_unique_constraint(UNIQUE, ["title_id", "kind", "language"])
        batch.drop_column("variant")
