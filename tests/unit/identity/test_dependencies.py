"""Identity's request dependencies that need no database."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import sessionmaker

from marquee.identity.dependencies import identity
from marquee.kit.cache import MemoryCache
from marquee.settings import load_settings


def _request(state: SimpleNamespace) -> Any:
    return SimpleNamespace(app=SimpleNamespace(state=state))


def test_identity_is_built_once_per_platform(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, env="test")
    database = SimpleNamespace(sessions=sessionmaker())  # opened by no check here
    platform = SimpleNamespace(settings=settings, cache=MemoryCache(), db=database)
    state = SimpleNamespace(platform=platform)
    first = asyncio.run(identity(_request(state)))
    assert asyncio.run(identity(_request(state))) is first
    state.platform = SimpleNamespace(settings=settings, cache=MemoryCache(), db=database)
    again = asyncio.run(identity(_request(state)))
    assert again is not first
    assert again.cache is state.platform.cache
