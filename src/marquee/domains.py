"""The business domains, in dependency order, and the hooks each one offers to the platform.

A domain package may have ``models`` (tables), ``events`` (the events it publishes, declared
with ``kit.events.declare``), ``tasks`` (jobs), ``api`` (a ``router``) and
``subscribers`` (a ``subscribe(platform)`` function that registers event handlers on
``platform.events``; handlers open their own transaction with ``platform.db``) and ``privacy``
(registers the personal data it holds with ``kit.personal_data``). This list is the
one place that names the domains.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

from fastapi import APIRouter

from marquee.kit.plumbing import Plumbing

DOMAINS: tuple[str, ...] = (
    "identity",
    "billing",
    "media",
    "catalog",
    "delivery",
    "playback",
    "downloads",
    "analytics",
    "experiments",
    "recommend",
    "discovery",
)


def _modules(kind: str) -> Iterator[ModuleType]:
    for domain in DOMAINS:
        try:
            yield importlib.import_module(f"marquee.{domain}.{kind}")
        except ModuleNotFoundError as exc:
            if exc.name != f"marquee.{domain}.{kind}":
                raise


def load_models() -> None:
    """Import every domain's tables so that the shared metadata knows them (Alembic, tests):
    its ``models``, or ``tables`` where ``models`` means something else (recommend's)."""
    for _ in (*_modules("models"), *_modules("tables")):
        pass


def load_events() -> None:
    """Import every domain's ``events`` module, so that every event it publishes is declared."""
    for _ in _modules("events"):
        pass


def load_jobs() -> None:
    for _ in _modules("tasks"):
        pass


def load_personal_data() -> None:
    """Import every domain's ``privacy`` module: each registers the personal data it holds with
    ``kit.personal_data`` (the account export gathers it; a test checks every table is)."""
    for _ in _modules("privacy"):
        pass


def routers() -> list[APIRouter]:
    return [module.router for module in _modules("api")]


def subscribe_all(platform: Plumbing) -> None:
    for module in _modules("subscribers"):
        module.subscribe(platform)
