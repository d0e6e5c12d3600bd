"""Identity's background jobs: outgoing mail, sent after the request that caused it commits;
the hourly purge of ended sessions and lock-outs."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from marquee.identity.models import Lockout, SignInSession
from marquee.identity.tokens import Keys, email_token
from marquee.kit.db import utcnow
from marquee.kit.mail import Mail, open_mailer
from marquee.kit.queue import JobContext, PermanentJobError, job, periodic
from marquee.settings import Settings

# template -> (subject, body, page the link opens; "" for no link)
TEMPLATES: dict[str, tuple[str, str, str]] = {
    "verify": (
        "Confirm your email address",
        "Welcome to Marquee! Confirm your email address by opening this link:\n\n{link}\n",
        "verify-email",
    ),
    "email-change": (
        "Confirm your new email address",
        "Open this link to make this your Marquee sign-in address:\n\n{link}\n",
        "verify-email",
    ),
    "reset": (
        "Reset your Marquee password",
        "Open this link to choose a new password. If you did not ask for it, ignore this mail."
        "\n\n{link}\n",
        "reset-password",
    ),
    "signup-existing": (
        "You already have a Marquee account",
        "Someone tried to create a Marquee account with this address. You already have one: "
        "sign in, or reset your password if you forgot it:\n\n{link}\n",
        "sign-in",
    ),
    "email-changed": (
        "Your Marquee email address was changed",
        "The sign-in address of your Marquee account was changed to another one. If this "
        "was not you, reset your password:\n\n{link}\n",
        "reset-password",
    ),
}


def render(settings: Settings, template: str, to: str, token_id: str | None) -> Mail:
    subject, body, page = TEMPLATES[template]
    link = f"{settings.public_url.rstrip('/')}/{page}"
    if token_id is not None:
        link += "?token=" + quote(email_token(Keys(settings.secret()), token_id))
    return Mail(to=to, subject=subject, text=body.format(link=link), link=link)


@job("identity.send_mail")
def send_mail(ctx: JobContext, *, template: str, to: str, token_id: str | None = None) -> None:
    """Arguments carry the token's id only: its secret is derived here from the platform key."""
    if template not in TEMPLATES:
        raise PermanentJobError(f"no mail template {template!r}")
    settings: Settings = ctx.services.settings
    mailer = open_mailer(settings.smtp_url, settings.data_dir, settings.mail_from)
    mailer.send(render(settings, template, to, token_id))


PURGE_INTERVAL_S = 3600.0


@periodic("identity.purge_ended", interval_s=PURGE_INTERVAL_S)
def purge_ended(platform: Any) -> None:
    """Every worker's hourly tick; deleting what has ended is safe in several at once."""
    with platform.db.transaction() as session:
        purge(session)


def purge(session: Session) -> None:
    """Delete the sessions past their expiry (a sign-in prunes only its own account's) and the
    lock-outs whose lock and failure count have both run out."""
    now = utcnow()
    session.execute(delete(SignInSession).where(SignInSession.expires_at <= now))
    lapsed = or_(Lockout.locked_until.is_(None), Lockout.locked_until <= now)
    session.execute(delete(Lockout).where(Lockout.counted_until <= now, lapsed))
