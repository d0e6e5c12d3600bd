"""Billing's background jobs: the receipt and payment-failed mails, sent after the webhook that
caused them commits (through the platform's mailer, ``MARQUEE_SMTP_URL``)."""

from __future__ import annotations

from marquee.kit.mail import Mail, open_mailer
from marquee.kit.queue import JobContext, PermanentJobError, job
from marquee.settings import Settings

# template -> (subject, body)
TEMPLATES: dict[str, tuple[str, str]] = {
    "receipt": (
        "Your Marquee receipt",
        "Thank you: we received {amount} for your {plan} plan. Your invoices are on your "
        "account page:\n\n{link}\n",
    ),
    "payment-failed": (
        "Your Marquee payment failed",
        "We could not charge {amount} for your {plan} plan. Watching goes on for a few days; "
        "update your card on your account page to keep it:\n\n{link}\n",
    ),
}


def money(amount: int, currency: str) -> str:
    """Minor units as a person reads them (two decimals: the plans' currencies have cents)."""
    return f"{amount / 100:.2f} {currency}"


@job("billing.send_mail")
def send_mail(
    ctx: JobContext, *, template: str, to: str, plan: str, amount: int, currency: str
) -> None:
    if template not in TEMPLATES:
        raise PermanentJobError(f"no mail template {template!r}")
    settings: Settings = ctx.services.settings
    subject, body = TEMPLATES[template]
    link = f"{settings.public_url.rstrip('/')}/account"
    text = body.format(amount=money(amount, currency), plan=plan, link=link)
    mailer = open_mailer(settings.smtp_url, settings.data_dir, settings.mail_from)
    mailer.send(Mail(to=to, subject=subject, text=text, link=link))
