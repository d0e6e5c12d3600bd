"""Invoices and credit notes: every charge gets a numbered invoice, every refund a numbered
credit note naming its invoice.

Numbers are gap-free per series (the operator's ``MARQUEE_BILLING_INVOICE_PREFIX``: invoices
``INV-000001``…, credit notes ``INV-CN-000001``…): the series' counter is raised by one
``UPDATE`` in the transaction that stores the document, which holds the row's lock until it
commits, so a document rolled back gives its number back and two at once take turns.

Amounts are what the provider charged (tax included); each line's tax is the part of it that
the customer's country's rate (:mod:`.taxes`) contains.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marquee.billing import schemas, taxes
from marquee.billing.errors import InvoiceNotFound, RefundRefused
from marquee.billing.events import REFUNDED, Revenue
from marquee.billing.models import Invoice, InvoiceSeries
from marquee.billing.providers import open_provider
from marquee.billing.providers.base import Refund
from marquee.identity import service as identity
from marquee.kit.events import publish
from marquee.settings import Settings

#: Where an account downloads an invoice's PDF.
PDF_PATH = "/api/v1/account/invoices/{number}/pdf"


def series_name(settings: Settings, kind: str) -> str:
    return settings.billing_invoice_prefix + ("-CN" if kind == "credit_note" else "")


def next_number(session: Session, series: str) -> str:
    """The series' next number, taken in the caller's transaction."""
    raised = session.execute(
        update(InvoiceSeries)
        .where(InvoiceSeries.name == series)
        .values(last=InvoiceSeries.last + 1)
    )
    if raised.rowcount != 1:  # type: ignore[attr-defined]  # the series' first document
        try:
            with session.begin_nested():
                session.add(InvoiceSeries(name=series, last=1))
        except IntegrityError:  # another transaction started the series first
            return next_number(session, series)
        return f"{series}-{1:06d}"
    last = session.scalars(select(InvoiceSeries.last).where(InvoiceSeries.name == series)).one()
    return f"{series}-{last:06d}"


def _lines(charged: Sequence[tuple[str, int]], country: str | None) -> list[dict[str, object]]:
    known = None if country is None else taxes.rate_for(country)
    rate = "0" if known is None else known.rate
    lines: list[dict[str, object]] = []
    for position, (description, total) in enumerate(charged, start=1):
        tax = taxes.contained(total, rate)
        lines.append(
            {
                "position": position,
                "description": description,
                "net": total - tax,
                "tax_rate": rate,
                "tax": tax,
                "total": total,
            }
        )
    return lines


def issue(
    session: Session,
    *,
    settings: Settings,
    account_id: str,
    charged: Sequence[tuple[str, int]],
    currency: str,
    provider: str,
    plan_id: str | None = None,
    country: str | None = None,
    provider_ref: str | None = None,
    payment_ref: str | None = None,
) -> Invoice:
    """A numbered invoice for ``charged`` (description, amount with tax): its lines in order."""
    lines = _lines(charged, country)
    invoice = Invoice(
        number=next_number(session, series_name(settings, "invoice")),
        kind="invoice",
        account_id=account_id,
        customer_email=identity.get_account(session, account_id=account_id).email,
        country=None if country is None else country.upper(),
        plan_id=plan_id,
        currency=currency,
        lines=lines,
        provider=provider,
        provider_ref=provider_ref,
        payment_ref=payment_ref,
        refunded=0,
        **_totals(lines),
    )
    session.add(invoice)
    session.flush()
    return invoice


def _totals(lines: Sequence[dict[str, object]]) -> dict[str, int]:
    return {name: sum(int(str(line[name])) for line in lines) for name in ("net", "tax", "total")}


def refund(
    session: Session,
    *,
    settings: Settings,
    number: str,
    amount: int | None,
    reason: str | None,
    key: str,
) -> tuple[Invoice, bool]:
    """A credit note for ``amount`` (unset: what is left) of the invoice ``number``, the money
    given back through its provider first. Asked again with the same ``key``, the credit note
    made the first time; the second item says whether it was made now."""
    done = session.scalars(select(Invoice).where(Invoice.idempotency_key == key)).one_or_none()
    if done is not None:
        return done, False
    invoice = session.scalars(
        select(Invoice).where(Invoice.number == number).with_for_update()
    ).one_or_none()
    if invoice is None or invoice.kind != "invoice":
        raise InvoiceNotFound(number)
    left = invoice.total - invoice.refunded
    amount = left if amount is None else amount
    if amount <= 0 or amount > left:
        raise RefundRefused(f"{number} has {left} {invoice.currency} left to refund, not {amount}.")
    refund_ref = None
    if invoice.payment_ref:
        refund_ref = open_provider(settings, invoice.provider).refund(
            Refund(payment_ref=invoice.payment_ref, amount=amount, key=key)
        )
    invoice.refunded += amount
    note_lines = _credited_lines(invoice, amount)
    note = Invoice(
        number=next_number(session, series_name(settings, "credit_note")),
        kind="credit_note",
        account_id=invoice.account_id,
        customer_email=invoice.customer_email,
        country=invoice.country,
        plan_id=invoice.plan_id,
        currency=invoice.currency,
        lines=note_lines,
        provider=invoice.provider,
        provider_ref=refund_ref,
        credited_invoice_id=invoice.id,
        refunded=0,
        idempotency_key=key,
        reason=reason,
        **_totals(note_lines),
    )
    session.add(note)
    session.flush()
    if invoice.account_id is not None:
        publish(
            session,
            REFUNDED,
            Revenue(
                account_id=invoice.account_id,
                plan_id=invoice.plan_id or "",
                amount=amount,
                currency=invoice.currency,
                provider=invoice.provider,
                at=note.issued_at,
            ),
        )
    return note, True


def _credited_lines(invoice: Invoice, amount: int) -> list[dict[str, object]]:
    """One line for the refund, taxed at the invoice's rate (the first line's)."""
    rate = str(invoice.lines[0]["tax_rate"]) if invoice.lines else "0"
    tax = taxes.contained(amount, rate)
    share = "in full" if amount == invoice.total else "in part"
    return [
        {
            "position": 1,
            "description": f"Refund of invoice {invoice.number} ({share})",
            "net": amount - tax,
            "tax_rate": rate,
            "tax": tax,
            "total": amount,
        }
    ]


def of_account(session: Session, account_id: str) -> Sequence[Invoice]:
    query = (
        select(Invoice)
        .where(Invoice.account_id == account_id)
        .order_by(Invoice.issued_at.desc(), Invoice.number.desc())
    )
    return session.scalars(query).all()


def by_number(session: Session, number: str, *, account_id: str | None = None) -> Invoice:
    """The document ``number`` (of ``account_id`` only, when given: others' are not found)."""
    invoice = session.scalars(select(Invoice).where(Invoice.number == number)).one_or_none()
    if invoice is None or (account_id is not None and invoice.account_id != account_id):
        raise InvoiceNotFound(number)
    return invoice


def view(session: Session, invoice: Invoice) -> schemas.Invoice:
    credited = (
        None
        if invoice.credited_invoice_id is None
        else session.get(Invoice, invoice.credited_invoice_id)
    )
    return schemas.Invoice(
        number=invoice.number,
        kind="credit_note" if invoice.kind == "credit_note" else "invoice",
        issued_at=invoice.issued_at,
        customer_email=invoice.customer_email,
        country=invoice.country,
        plan_id=invoice.plan_id,
        currency=invoice.currency,
        net=invoice.net,
        tax=invoice.tax,
        total=invoice.total,
        lines=[schemas.InvoiceLine.model_validate(line) for line in invoice.lines],
        provider=invoice.provider,
        refunded=invoice.refunded,
        credited_invoice=None if credited is None else credited.number,
        reason=invoice.reason,
        pdf_url=PDF_PATH.format(number=invoice.number),
    )
