"""Alembic environment: every domain's tables, on whichever database the URL names."""

from __future__ import annotations

from alembic import context

from marquee import domains
from marquee.kit import claims, outbox, queue  # noqa: F401  (kit tables)
from marquee.kit.db import Base, create_db_engine

domains.load_models()
config = context.config
url = config.get_main_option("sqlalchemy.url") or ""


def run_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = config.attributes.get("connection") or create_db_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
