"""A signed-in caller of the API, shared by the domains' integration tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient

from marquee.app import create_app
from marquee.runtime import build_platform
from marquee.settings import Settings

SIGNUP_PASSWORD = "a long passphrase 7"


@dataclass
class Viewer:
    """A signed-in account on one device, calling from one country."""

    client: TestClient
    account_id: str
    profile_id: str
    headers: dict[str, str]

    def call(self, method: str, url: str, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kwargs)

    def play(self, title_id: str, **extra: Any) -> Any:
        body = {"title_id": title_id, "profile_id": self.profile_id, **extra}
        return self.call("POST", "/api/v1/playback/sessions", json=body)


@asynccontextmanager
async def signed_up_async(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """An async client of a fresh platform's app (requests run at once on one event loop, as
    under a server) and the access token of an account it just signed up."""
    platform = build_platform(settings)
    app = create_app(settings, platform=platform)
    app.state.platform = platform
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            signup = await client.post(
                "/api/v1/auth/signup",
                json={"email": f"{uuid.uuid4().hex}@example.com", "password": SIGNUP_PASSWORD},
            )
            assert signup.status_code == 201, signup.text
            yield client, signup.json()["access_token"]
    finally:
        platform.stop()
