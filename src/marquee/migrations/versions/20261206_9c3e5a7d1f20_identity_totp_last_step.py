"""identity accounts: the last used TOTP step as a column

A TOTP code was marked used only in the cache, so after a flush or restart of the cache the
same code signed in again within its window. ``totp_last_step`` holds the time step of the
last code used; sign-in moves it on with ``UPDATE … WHERE id = ? AND (totp_last_step IS NULL
OR totp_last_step < ?)``. Existing accounts start with none recorded.

Revision ID: 9c3e5a7d1f20
Revises: 4d8a1c6e2f57
Create Date: 2026-12-06 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c3e5a7d1f20"
down_revision: str | None = "4d8a1c6e2f57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identity_accounts") as batch:
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity_accounts") as batch:
        batch.drop_column("totp_last_step")
