"""Identity API fixtures: an app with cheap argon2, workers for mail, helpers to sign up."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marquee.app import create_app
from marquee.settings import Settings

PASSWORD = "correct horse battery staple"
CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 8, "argon2_parallelism": 1}


def new_email() -> str:
    return f"viewer-{uuid.uuid4().hex[:12]}@example.com"


@pytest.fixture
def identity_settings(settings: Settings) -> Settings:
    return settings.model_copy(update=CHEAP_ARGON2)


@pytest.fixture
def client(identity_settings: Settings) -> Iterator[TestClient]:
    app = create_app(identity_settings, run_workers=True)
    with TestClient(app) as test_client:
        yield test_client


def signup(client: TestClient, email: str | None = None, password: str = PASSWORD) -> Any:
    response = client.post(
        "/api/v1/auth/signup", json={"email": email or new_email(), "password": password}
    )
    assert response.status_code == 201, response.text
    return response.json()


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def wait_for_mail(settings: Settings, to: str, subject: str, timeout_s: float = 10) -> Message:
    """The newest mail to ``to`` whose subject starts with ``subject`` (written by the worker)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for path in sorted(Path(settings.data_dir, "mail").glob("*.eml"), reverse=True):
            mail = message_from_bytes(path.read_bytes())
            if mail["To"] == to and str(mail["Subject"]).startswith(subject):
                return mail
        time.sleep(0.05)
    raise AssertionError(f"no mail {subject!r} to {to} within {timeout_s} s")


def token_in(mail: Message) -> str:
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    return body.decode().split("?token=", 1)[1].split()[0].replace("%2E", ".")
