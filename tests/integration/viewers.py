"""A signed-in caller of the API, shared by the domains' integration tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient


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
