"""catalog external keys compared exactly on MariaDB

Feeds name titles and people by keys that may differ only by accents or case ("Verónica" and
"Veronica" are two 2017 films); MariaDB's default collation took them for one key (a duplicate-key
error, or one title updated with the other's data). PostgreSQL and SQLite compare exactly already.

Revision ID: 5c2e8d41a7b3
Revises: 83d5b6ac39f9
Create Date: 2026-12-06 11:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5c2e8d41a7b3"
down_revision: str | None = "83d5b6ac39f9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("catalog_titles", "catalog_people")


def upgrade() -> None:
    _collate("utf8mb4_bin")


def downgrade() -> None:
    _collate("utf8mb4_general_ci")


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name not in ("mysql", "mariadb"):
        return
    for table in TABLES:
        op.execute(
            f"ALTER TABLE {table} MODIFY external_key VARCHAR(255) "
            f"CHARACTER SET utf8mb4 COLLATE {collation} NULL"
        )
