"""Many requests at once, each holding a database connection across several thread-pool
steps (authentication, then the handler), must all be answered, not stall on the pool."""

from __future__ import annotations

import asyncio

import httpx

from marquee.kit.db import POOL_OVERFLOW, POOL_SIZE
from marquee.settings import Settings
from tests.integration.viewers import signed_up_async

CONCURRENT = 3 * (POOL_SIZE + POOL_OVERFLOW)


async def _hammer(client: httpx.AsyncClient, token: str) -> list[int]:
    headers = {"Authorization": f"Bearer {token}"}
    answers = await asyncio.gather(
        *(client.get("/api/v1/profiles", headers=headers) for _ in range(CONCURRENT))
    )
    return [answer.status_code for answer in answers]


async def _scenario(settings: Settings) -> list[int]:
    async with signed_up_async(settings) as (client, token):
        return await asyncio.wait_for(_hammer(client, token), 60)


def test_more_requests_than_pooled_connections_are_all_answered(settings: Settings) -> None:
    statuses = asyncio.run(_scenario(settings))
    assert statuses == [200] * CONCURRENT
