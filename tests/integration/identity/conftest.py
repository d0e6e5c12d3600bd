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


def new_email() -> str:
    return f"viewer-{uuid.uuid4().hex[:12]}@example.com"


@pytest.fixture
def identity_settings(settings: Settings) -> Settings:
    return settings


@pytest.fixture
def client(identity_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(identity_settings)) as test_client:
        yield test_client


@pytest.fixture
def mail_client(identity_settings: Settings) -> Iterator[TestClient]:
    """With job workers, which send the mail."""
    with TestClient(create_app(identity_settings, run_workers=True)) as test_client:
        yield test_client


def signup(client: TestClient, email: str | None = None, password: str = PASSWORD) -> Any:
    response = client.post(
        "/api/v1/auth/signup", json={"email": email or new_email(), "password": password}
    )
    assert response.status_code == 201, response.text
    return response.json()


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def wait_for_mail(
    settings: Settings, to: str, subject: str, *, count: int = 1, timeout_s: float = 10
) -> Message:
    """The newest mail to ``to`` whose subject starts with ``subject`` (written by the worker),
    once ``count`` of them have arrived."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        paths = sorted(Path(settings.data_dir, "mail").glob("*.eml"))
        mails = [message_from_bytes(path.read_bytes()) for path in paths]
        found = [m for m in mails if m["To"] == to and str(m["Subject"]).startswith(subject)]
        if len(found) >= count:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no mail {subject!r} to {to} within {timeout_s} s")


def token_in(mail: Message) -> str:
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    return body.decode().split("?token=", 1)[1].split()[0].replace("%2E", ".")
