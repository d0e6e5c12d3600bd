"""experiments: definitions (variants, audience, layer, metrics) and exposed units

Revision ID: a67777266544
Revises: c6d1e8f3a2b7
Create Date: 2026-12-06 13:31:01.930513
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import marquee.kit.db

revision: str = "a67777266544"
down_revision: str | None = "c6d1e8f3a2b7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "experiments_experiments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("hypothesis", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("layer", sa.String(length=64), nullable=True),
        sa.Column("layer_offset", sa.Integer(), nullable=False),
        sa.Column("rollout", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        sa.Column("created_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.Column("started_at", marquee.kit.db.UTCDateTime(), nullable=True),
        sa.Column("stopped_at", marquee.kit.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments_experiments")),
        sa.UniqueConstraint("key", name=op.f("uq_experiments_experiments_key")),
    )
    with op.batch_alter_table("experiments_experiments", schema=None) as batch_op:
        batch_op.create_index("ix_experiments_experiments_layer", ["layer"], unique=False)

    op.create_table(
        "experiments_exposures",
        sa.Column("experiment_id", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.String(length=32), nullable=False),
        sa.Column("variant", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("exposures", sa.Integer(), nullable=False),
        sa.Column("first_at", marquee.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments_experiments.id"],
            name=op.f("fk_experiments_exposures_experiment_id_experiments_experiments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("experiment_id", "unit_id", name=op.f("pk_experiments_exposures")),
    )
    with op.batch_alter_table("experiments_exposures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_experiments_exposures_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("experiments_exposures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experiments_exposures_account_id"))

    op.drop_table("experiments_exposures")
    with op.batch_alter_table("experiments_experiments", schema=None) as batch_op:
        batch_op.drop_index("ix_experiments_experiments_layer")

    op.drop_table("experiments_experiments")
