"""identity sessions: the current refresh token as columns

A refresh moves the family on with ``UPDATE … WHERE id = ? AND refresh_generation = ? AND
refresh_hash = ?``, so that two uses of one refresh token at once cannot both succeed
(the cached copy was the only check: right after a cache flush both won). Existing sessions
take the token their record holds, so nobody is signed out.

Revision ID: 4d8a1c6e2f57
Revises: f1c4b7e9a2d3
Create Date: 2026-12-06 16:50:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4d8a1c6e2f57"
down_revision: str | None = "f1c4b7e9a2d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

sessions = sa.table(
    "identity_sessions",
    sa.column("id", sa.String),
    sa.column("record", sa.Text),
    sa.column("refresh_generation", sa.Integer),
    sa.column("refresh_hash", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("identity_sessions") as batch:
        batch.add_column(
            sa.Column("refresh_generation", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column("refresh_hash", sa.String(length=64), server_default="", nullable=False)
        )
    connection = op.get_bind()
    for session_id, record in connection.execute(sa.select(sessions.c.id, sessions.c.record)):
        fields = json.loads(record)
        connection.execute(
            sa.update(sessions)
            .where(sessions.c.id == session_id)
            .values(
                refresh_generation=fields.get("refresh_generation", 0),
                refresh_hash=fields.get("refresh_hash", ""),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_sessions") as batch:
        batch.drop_column("refresh_hash")
        batch.drop_column("refresh_generation")
