"""Requests missing the same profile's rows at once: the rows are built once, all answered."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from marquee.discovery import api
from marquee.settings import Settings
from tests.integration.viewers import signed_up_async

AT_ONCE = 6


async def _ask_together(settings: Settings) -> list[httpx.Response]:
    async with signed_up_async(settings) as (client, token):
        headers = {"Authorization": f"Bearer {token}"}
        profile = (await client.get("/api/v1/profiles", headers=headers)).json()[0]["id"]
        path = f"/api/v1/browse?profile_id={profile}"
        asks = (client.get(path, headers=headers) for _ in range(AT_ONCE))
        return await asyncio.wait_for(asyncio.gather(*asks), 60)


def test_rows_missed_by_many_requests_at_once_are_built_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[float] = []
    build = api._build_rows

    def slow_build(*args: Any) -> bytes:
        builds.append(time.monotonic())
        time.sleep(0.3)  # long enough for every request to miss the rows meanwhile
        return build(*args)

    monkeypatch.setattr(api, "_build_rows", slow_build)
    answers = asyncio.run(_ask_together(settings))

    assert [answer.status_code for answer in answers] == [200] * AT_ONCE
    assert len({answer.content for answer in answers}) == 1
    assert len(builds) == 1
