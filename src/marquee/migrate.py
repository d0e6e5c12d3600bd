"""Schema migrations (Alembic), run by ``marquee db upgrade`` and at ``marquee serve`` start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from marquee.kit.db import create_db_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def check(database_url: str) -> None:
    """Raise if the models differ from what the migrations build (``alembic check``)."""
    command.check(alembic_config(database_url))


class SchemaNotCurrent(RuntimeError):
    """The database is behind the code's migrations."""


def ensure_current(database_url: str) -> None:
    """Raise :class:`SchemaNotCurrent` unless the database is at the newest revision."""
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    if current != head:
        raise SchemaNotCurrent(
            f"database schema is at {current or 'nothing'}, the code needs {head}: "
            "run `marquee db upgrade`"
        )


def is_embedded(database_url: str) -> bool:
    """Is this the embedded database (SQLite, a file in the data dir)?"""
    return make_url(database_url).get_backend_name() == "sqlite"


def prepare(database_url: str) -> None:
    """Make the schema current for a command: an embedded database is migrated on the spot (it
    belongs to this installation alone); a server database behind the code raises
    :class:`SchemaNotCurrent`, since other processes share it and its operator chooses when to
    run ``marquee db upgrade``."""
    if is_embedded(database_url):
        upgrade(database_url)
    else:
        ensure_current(database_url)
