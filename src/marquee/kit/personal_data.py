"""Who holds a person's data, so that the account export gathers it from every domain and no
table holding an account or profile id is forgotten (``tests/unit/test_personal_data.py``).

Each domain that keeps rows about an account or its profiles registers a :class:`Holder` in its
``privacy`` module (loaded by ``domains.load_personal_data``): the tables, what becomes of each
when the account is deleted, and a function that exports what it holds. Deletion itself goes by
the ``identity.account_deleted`` and ``identity.profile_deleted`` events, which each holder's
domain handles (identity, the lowest domain, cannot call the others). The export is put
together by billing, which calls :func:`export` without knowing the domains above it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.orm import Session

#: Column names that hold an account's or a profile's id, whichever table they are in.
PERSONAL_COLUMNS = frozenset({"account_id", "profile_id", "actor_id"})
#: Tables whose rows *are* accounts: their own id is the account's.
IDENTITY_TABLES = frozenset({"identity_accounts", "identity_profiles"})


@dataclass(frozen=True)
class Subject:
    """Whose data: an account and its profiles."""

    account_id: str
    profile_ids: tuple[str, ...]


Exporter = Callable[[Session, Subject], Mapping[str, Any]]


@dataclass(frozen=True)
class Holder:
    domain: str
    tables: Mapping[str, str]
    """Each table holding the subject's rows, and what deleting the account does to them."""
    export: Exporter


_HOLDERS: dict[str, Holder] = {}


def register(holder: Holder) -> None:
    """Declare a domain's personal data (again: replaces, so re-imports are harmless)."""
    _HOLDERS[holder.domain] = holder


def holders() -> list[Holder]:
    return list(_HOLDERS.values())


def covered_tables() -> dict[str, str]:
    """Every declared table, with the domain that answers for it."""
    return {table: holder.domain for holder in _HOLDERS.values() for table in holder.tables}


def export(session: Session, subject: Subject) -> dict[str, dict[str, Any]]:
    """What every registered domain holds of ``subject``, by domain (JSON-ready)."""
    return {holder.domain: dict(holder.export(session, subject)) for holder in holders()}


def holds_personal_data(table: Table) -> bool:
    """A table with a column named like an account or profile id, or a foreign key to
    identity's accounts or profiles."""
    if table.name in IDENTITY_TABLES:
        return True
    columns: list[Column[Any]] = list(table.columns)
    return any(
        column.name in PERSONAL_COLUMNS
        or any(fk.column.table.name in IDENTITY_TABLES for fk in column.foreign_keys)
        for column in columns
    )


def as_json(row: Any, *, leave_out: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A mapped row's columns as JSON-ready values (times in ISO 8601), but ``leave_out``."""
    values: dict[str, Any] = {}
    for column in row.__table__.columns:
        if column.key in leave_out:
            continue
        value = getattr(row, column.key)
        values[column.key] = value.isoformat() if hasattr(value, "isoformat") else value
    return values
