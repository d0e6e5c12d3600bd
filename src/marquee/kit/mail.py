"""Outgoing mail: ``.eml`` files in the data dir (embedded default) or an SMTP server.

With no ``MARQUEE_SMTP_URL`` every message is written to ``<data_dir>/mail/`` and logged with
its file and its link *without* the link's query and fragment (a verification or reset token
is a live credential, and logs travel further than the data dir): a developer follows the link
from the ``.eml`` file, without a mail server.
``smtp://user:password@host:port`` sends in the clear (add ``?starttls=1`` to upgrade);
``smtps://`` uses TLS from the start.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from marquee.kit.db import new_id, utcnow

log = logging.getLogger(__name__)
SMTP_TIMEOUT_S = 30


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    link: str = ""


class Mailer(Protocol):
    def send(self, mail: Mail) -> None: ...


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="marquee.local")
    message["Date"] = utcnow().strftime("%a, %d %b %Y %H:%M:%S +0000")
    message.set_content(mail.text)
    return message


def redacted_link(link: str) -> str:
    """``link`` with its query and fragment values hidden: they carry tokens."""
    parts = urlsplit(link)
    query = "&".join(f"{name}=…" for name in parse_qs(parts.query, keep_blank_values=True))
    return urlunsplit(parts._replace(query=query, fragment="…" if parts.fragment else ""))


class FileMailer:
    """Writes each message as ``<directory>/<time>-<id>.eml`` and logs where, with its link
    redacted (the file holds the whole link)."""

    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = directory
        self.sender = sender

    def send(self, mail: Mail) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{new_id()[:8]}.eml"
        path = self.directory / name
        path.write_bytes(build_message(mail, self.sender).as_bytes())
        log.info("mail to %s: %s %s (in %s)", mail.to, mail.subject, redacted_link(mail.link), path)


class SmtpMailer:
    """Sends through an SMTP server; a connection per message (mail is rare and retried)."""

    def __init__(self, url: str, sender: str) -> None:
        parts = urlsplit(url)
        self.tls = parts.scheme == "smtps"
        self.starttls = parse_qs(parts.query).get("starttls", ["0"])[-1] in ("1", "true")
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.sender = sender

    def send(self, mail: Mail) -> None:
        message = build_message(mail, self.sender)
        with self._connect() as client:
            if self.starttls:
                client.starttls(context=ssl.create_default_context())
            if self.username:
                client.login(self.username, self.password)
            client.send_message(message)

    def _connect(self) -> smtplib.SMTP:
        if self.tls:
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT_S, context=context)
        return smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_S)


def open_mailer(smtp_url: str, data_dir: Path, sender: str) -> Mailer:
    """SMTP when ``smtp_url`` is set, else ``.eml`` files under ``data_dir/mail``."""
    if not smtp_url:
        return FileMailer(data_dir / "mail", sender)
    if urlsplit(smtp_url).scheme not in ("smtp", "smtps"):
        raise ValueError(f"MARQUEE_SMTP_URL must start with smtp:// or smtps://, not {smtp_url!r}")
    return SmtpMailer(smtp_url, sender)
