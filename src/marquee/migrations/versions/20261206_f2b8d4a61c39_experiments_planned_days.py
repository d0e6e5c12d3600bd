"""experiments: planned days

The planned duration of an experiment in days, over which its sequential test spends alpha
(one look a day); existing experiments get the default, 14.

Revision ID: f2b8d4a61c39
Revises: a1d8c760e5d4
Create Date: 2026-12-06 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f2b8d4a61c39"
down_revision: str | None = "a1d8c760e5d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("experiments_experiments") as batch:
        batch.add_column(sa.Column("days", sa.Integer(), server_default="14", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("experiments_experiments") as batch:
        batch.drop_column("days")
