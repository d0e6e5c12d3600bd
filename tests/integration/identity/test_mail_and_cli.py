"""The SMTP mailer against a local server, and ``marquee user create``."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from marquee.app import create_app
from marquee.cli.main import app as cli
from marquee.kit.mail import Mail, open_mailer
from marquee.settings import Settings
from tests.integration.identity.conftest import PASSWORD, bearer, new_email


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[str, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", inbox
    finally:
        controller.stop()


def test_the_smtp_mailer_delivers_to_the_server(smtp: tuple[str, Inbox], tmp_path: Any) -> None:
    url, inbox = smtp
    mailer = open_mailer(url, tmp_path, "Marquee <no-reply@example.com>")
    mailer.send(Mail(to="viewer@example.com", subject="Hello", text="Hi there"))
    assert inbox.messages[0]["To"] == "viewer@example.com"
    assert inbox.messages[0]["Subject"] == "Hello"
    assert not (tmp_path / "mail").exists()


def test_without_smtp_mail_is_written_as_eml_files(tmp_path: Any) -> None:
    mailer = open_mailer("", tmp_path, "Marquee <no-reply@example.com>")
    mailer.send(Mail(to="viewer@example.com", subject="Hello", text="Hi", link="http://x/y"))
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    assert message_from_bytes(files[0].read_bytes())["Subject"] == "Hello"


def test_signup_mails_the_verification_link_over_smtp(
    smtp: tuple[str, Inbox], identity_settings: Settings
) -> None:
    url, inbox = smtp
    settings = identity_settings.model_copy(update={"smtp_url": url})
    email = new_email()

    # The session's database is shared: mails other tests queued may be sent first.
    def mail() -> Message | None:
        return next((m for m in inbox.messages if m["To"] == email), None)

    with TestClient(create_app(settings, run_workers=True)) as client:
        client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD})
        deadline = time.monotonic() + 30
        while mail() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    message = mail()
    assert message is not None, "no verification mail to the new address"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert f"{settings.public_url}/verify-email?token=" in body.decode()


def cli_environment(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's settings: the test's database and data directory, cheap argon2."""
    monkeypatch.setenv("MARQUEE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MARQUEE_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("MARQUEE_LOG_JSON", "false")


def test_user_create_makes_an_admin_on_a_plan(
    identity_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_environment(identity_settings, monkeypatch)
    email = new_email()
    args = ["user", "create", "--email", email, "--password", PASSWORD]
    result = CliRunner().invoke(cli, [*args, "--role", "admin", "--plan", "premium"])
    assert result.exit_code == 0, result.output
    with TestClient(create_app(identity_settings)) as client:
        login = {"email": email, "password": PASSWORD}
        tokens = client.post("/api/v1/auth/login", json=login).json()
        account = client.get("/api/v1/account", headers=bearer(tokens)).json()
        assert (account["role"], account["email_verified"]) == ("admin", True)
        assert account["subscription"]["plan_id"] == "premium"
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 1
    assert "already exists" in again.output
    weak = CliRunner().invoke(cli, ["user", "create", "--email", new_email(), "--password", "x"])
    assert weak.exit_code == 1
    assert "characters" in weak.output


@pytest.mark.parametrize(
    "address", ["not-an-address", "someone@localhost", "a@b@example.com", "x\x00@example.com"]
)
def test_user_create_refuses_an_address_sign_in_would_refuse(
    identity_settings: Settings, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    cli_environment(identity_settings, monkeypatch)
    args = ["user", "create", "--email", address, "--password", PASSWORD]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "not an email address" in result.output
    with TestClient(create_app(identity_settings)) as client:
        login = client.post("/api/v1/auth/login", json={"email": address, "password": PASSWORD})
        assert login.status_code == 422
