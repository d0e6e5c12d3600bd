"""Relational database: SQLAlchemy 2 engines for SQLite (WAL), PostgreSQL and MariaDB.

The unit of work belongs to the caller (a request or a job): services only ``flush``;
:meth:`Database.transaction` commits at the end or rolls back on error. Callbacks registered
with :func:`after_commit` run only once the transaction has committed.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, String, create_engine, event, text
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import URL, Dialect, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
AFTER_COMMIT_KEY = "marquee.after_commit"
POOL_SIZE = 10
POOL_OVERFLOW = 20
#: Seconds to connect; milliseconds that sent data may stay unacknowledged (a silent host).
POSTGRES_TIMEOUTS = {"connect_timeout": "5", "tcp_user_timeout": "10000"}
#: Pooled connections left to background work (outbox relay, job workers) beside requests.
BACKGROUND_CONNECTIONS = 6


class Base(DeclarativeBase):
    """Declarative base of every domain's tables; one metadata so Alembic sees them all."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite and MariaDB store naive values)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A random, URL-safe primary key (UUID4 hex): ids never reveal counts or order."""
    return uuid.uuid4().hex


def id_column_type() -> String:
    return String(32)


def exact_string(length: int) -> TypeEngine[str]:
    """A string compared exactly, case and accents included, on every backend: a key such as
    "Verónica" must not meet "Veronica". PostgreSQL and SQLite compare exactly already; MariaDB's
    default collation (``utf8mb4_general_ci``) folds both, so the column gets ``utf8mb4_bin``."""
    binary = mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin")
    return String(length).with_variant(binary, "mysql", "mariadb")


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine tuned per backend: WAL and foreign keys on SQLite, pre-ping on servers."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            # A file needs no server connection slot: keep every connection open instead of
            # reopening (and rerunning the PRAGMAs) past the pool size; same upper bound.
            pool_size=POOL_SIZE + POOL_OVERFLOW,
            max_overflow=0,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        connect_args=_default_timeouts(parsed),
    )


def _default_timeouts(url: URL) -> dict[str, str]:
    """libpq's connect and TCP timeouts, where the URL sets none of its own. Without them a
    database host that answers nothing (power or network lost, as in a failover) holds every
    request for TCP's retries: two minutes on each new connection, about fifteen on a pooled
    one (docs/operations.md, "Database failover")."""
    if url.get_backend_name() != "postgresql":
        return {}
    return {key: value for key, value in POSTGRES_TIMEOUTS.items() if key not in url.query}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's current transaction commits (never on rollback)."""
    session.info.setdefault(AFTER_COMMIT_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(AFTER_COMMIT_KEY, []):
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop(AFTER_COMMIT_KEY, None)


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_db_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: Threads that only finish request transactions (see ``kit.web``).
        self.finisher = ThreadPoolExecutor(max_workers=8, thread_name_prefix="db-finish")
        self._request_slots: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.Semaphore
        ] = weakref.WeakKeyDictionary()

    def request_slots(self) -> asyncio.Semaphore:
        """How many requests of this event loop may hold a database session (and so a pooled
        connection) at once; ``kit.web`` takes a slot when a request first asks for its session.

        A request runs its dependencies and handler as separate thread-pool calls and keeps its
        connection in between; without a bound, requests admitted later fill the thread pool
        waiting for connections that only the earlier ones, waiting for a thread, would return.
        """
        loop = asyncio.get_running_loop()
        slots = self._request_slots.get(loop)
        if slots is None:
            slots = asyncio.Semaphore(POOL_SIZE + POOL_OVERFLOW - BACKGROUND_CONNECTIONS)
            self._request_slots[loop] = slots
        return slots

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits when the block ends and rolls back if it raises."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.finisher.shutdown(wait=True)
        self.engine.dispose()
