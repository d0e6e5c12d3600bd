"""An invoice or credit note as a PDF (fpdf2: maintained, pure Python, no system libraries).

The operator's details are the settings' (``MARQUEE_BILLING_OPERATOR_*``). The PDF's core font
covers Latin-1 only: other characters print as ``?``.
"""

from __future__ import annotations

from fpdf import FPDF

from marquee.billing import schemas
from marquee.billing.tasks import money
from marquee.settings import Settings

_TITLES = {"invoice": "Invoice", "credit_note": "Credit note"}
#: The lines' table: its columns and their widths (mm, the A4 page less its margins).
_HEADINGS = ("#", "Description", "Net", "Tax rate", "Tax", "Total")
_COLUMNS = (10, 85, 25, 20, 25, 25)
_ALIGN = ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def render(invoice: schemas.Invoice, settings: Settings) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"{_TITLES[invoice.kind]} {invoice.number}"))
    pdf.set_creator("Marquee")
    pdf.add_page()
    _header(pdf, invoice, settings)
    _table(pdf, invoice)
    return bytes(pdf.output())


def _text(pdf: FPDF, text: str, *, size: int = 10, bold: bool = False) -> None:
    pdf.set_font("Helvetica", "B" if bold else "", size)
    pdf.multi_cell(0, 5, _latin1(text), new_x="LMARGIN", new_y="NEXT")


def _header(pdf: FPDF, invoice: schemas.Invoice, settings: Settings) -> None:
    _text(pdf, settings.billing_operator_name, size=14, bold=True)
    for line in settings.billing_operator_address.splitlines():
        _text(pdf, line)
    if settings.billing_operator_tax_id:
        _text(pdf, f"Tax id: {settings.billing_operator_tax_id}")
    pdf.ln(6)
    _text(pdf, f"{_TITLES[invoice.kind]} {invoice.number}", size=16, bold=True)
    _text(pdf, f"Date: {invoice.issued_at.date().isoformat()}")
    if invoice.credited_invoice:
        _text(pdf, f"Credits invoice {invoice.credited_invoice}")
    if invoice.reason:
        _text(pdf, f"Reason: {invoice.reason}")
    _text(pdf, f"Bill to: {invoice.customer_email}")
    if invoice.country:
        _text(pdf, f"Country: {invoice.country}")
    pdf.ln(6)


def _cells(line: schemas.InvoiceLine, currency: str) -> tuple[str, ...]:
    return (
        str(line.position),
        line.description,
        money(line.net, currency),
        f"{float(line.tax_rate) * 100:g} %",
        money(line.tax, currency),
        money(line.total, currency),
    )


def _table(pdf: FPDF, invoice: schemas.Invoice) -> None:
    currency = invoice.currency
    rows = [_HEADINGS, *(_cells(line, currency) for line in invoice.lines)]
    pdf.set_font("Helvetica", "", 9)
    with pdf.table(col_widths=_COLUMNS, text_align=_ALIGN, line_height=5) as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(_latin1(cell))
    pdf.ln(2)
    for label, amount in (("Net", invoice.net), ("Tax", invoice.tax), ("Total", invoice.total)):
        pdf.set_font("Helvetica", "B" if label == "Total" else "", 10)
        pdf.cell(pdf.epw - _COLUMNS[-1], 6, label, align="R")
        pdf.cell(_COLUMNS[-1], 6, money(amount, currency), align="R", new_x="LMARGIN", new_y="NEXT")
