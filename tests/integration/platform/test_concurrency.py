"""Many requests at once, each holding a database connection across several thread-pool
steps (authentication, then the handler), must all be answered, not stall on the pool."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from marquee.app import create_app
from marquee.kit.db import POOL_OVERFLOW, POOL_SIZE
from marquee.runtime import build_platform
from marquee.settings import Settings

CONCURRENT = 3 * (POOL_SIZE + POOL_OVERFLOW)
PASSWORD = "a long passphrase 7"


async def _hammer(client: httpx.AsyncClient, token: str) -> list[int]:
    headers = {"Authorization": f"Bearer {token}"}
    answers = await asyncio.gather(
        *(client.get("/api/v1/profiles", headers=headers) for _ in range(CONCURRENT))
    )
    return [answer.status_code for answer in answers]


async def _scenario(settings: Settings) -> list[int]:
    platform = build_platform(settings)
    app = create_app(settings, platform=platform)
    app.state.platform = platform
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            signup = await client.post(
                "/api/v1/auth/signup",
                json={"email": f"{uuid.uuid4().hex}@example.com", "password": PASSWORD},
            )
            assert signup.status_code == 201, signup.text
            return await asyncio.wait_for(_hammer(client, signup.json()["access_token"]), 60)
    finally:
        platform.stop()


def test_more_requests_than_pooled_connections_are_all_answered(settings: Settings) -> None:
    statuses = asyncio.run(_scenario(settings))
    assert statuses == [200] * CONCURRENT
