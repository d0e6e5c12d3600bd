"""Logs carry no live credentials: mail tokens, delivery tokens in fill URLs (issue 19)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from marquee.kit.mail import FileMailer, Mail, redacted_link
from marquee.kit.telemetry import configure_logging

TOKEN = "c2VjcmV0LXRva2VuLXRoYXQtd29ya3M"


def test_the_file_mailer_logs_the_mail_but_not_its_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    link = f"https://tv.example/verify-email?token={TOKEN}"
    mail = Mail(to="ann@example.com", subject="Verify", text=f"Open {link}\n", link=link)
    with caplog.at_level(logging.DEBUG):
        FileMailer(tmp_path, "marquee@example.com").send(mail)
    assert "ann@example.com" in caplog.text
    assert "https://tv.example/verify-email?token=…" in caplog.text
    assert TOKEN not in caplog.text
    (written,) = tmp_path.glob("*.eml")
    assert TOKEN in written.read_text()  # the developer follows the link from the file
    assert str(written) in caplog.text


def test_redacted_links_keep_the_page_and_the_parameter_names() -> None:
    assert (
        redacted_link("https://x/reset?token=a&next=/b#k=1") == "https://x/reset?token=…&next=…#…"
    )
    assert redacted_link("https://x/sign-in") == "https://x/sign-in"


@pytest.fixture
def configured_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, was in quiet.items():
        logging.getLogger(name).setLevel(was)


def test_the_http_client_does_not_log_delivery_urls(
    configured_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    """An edge's fill and the health checks ask for URLs with 6-hour delivery tokens."""
    configure_logging("INFO", json_lines=False)
    logging.getLogger().addHandler(caplog.handler)
    url = f"http://origin.test/api/v1/delivery/t/k1/1999999999/sess/{TOKEN[:22]}/assets/a/x.m4s"
    with httpx.Client(transport=httpx.MockTransport(lambda _: httpx.Response(200))) as client:
        client.get(url)
    logging.getLogger("marquee.test").info("still logged")
    assert "still logged" in caplog.text
    assert TOKEN[:22] not in caplog.text
