"""Billing's printed documents: the A4 invoice and the 80 mm receipt, rendered with WeasyPrint
and kept in private storage (S3 in production); refund receipts, credit notes and patients'
statements, rendered when asked for."""

import gc
from contextlib import contextmanager

import qrcode
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils import timezone

from billing.models import AdvanceDeposit, AdvanceRefund, CreditNote, Invoice, Payment, Refund
from hms import files
from hms.pdf import pdf_response, render_pdf


def _qr_svg(text: str) -> str:
    """The QR code as an SVG of one path with a rectangle per run of dark modules in a row:
    half the path commands of qrcode's own SVG (a square per module), which WeasyPrint parses
    on every render."""
    code = qrcode.QRCode(border=1)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            runs.append(f"M{start} {y}h{x - start}v1h{start - x}z")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}">'
        f'<path d="{"".join(runs)}"/></svg>'
    )


@contextmanager
def _collector_paused():
    """Laying out a long invoice, WeasyPrint makes hundreds of thousands of objects that live
    until the PDF is written; the cyclic garbage collector's passes over them (and over the rest of
    the worker's heap) took about a fifth of the render. Paused for the render only: what it
    would have found is collected by its next pass."""
    if not gc.isenabled():  # paused by another render in this process, or on purpose
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _hospital() -> dict:
    return {
        "name": settings.HOSPITAL_NAME,
        "address": settings.HOSPITAL_ADDRESS,
        "tax_number": settings.HOSPITAL_TAX_NUMBER,
        "currency": settings.HMS_CURRENCY,
    }


def invoice_html(invoice: Invoice) -> str:
    """The A4 invoice: its lines as issued, its totals taken from the patient's share to the
    balance due line by line (what the insurer declined, credit notes, refunds, what was paid and
    kept), and every receipt with its refunds and, when it bounced, its reversal."""
    payments = list(invoice.payments.prefetch_related("refunds"))
    return render_to_string(
        "billing/invoice_pdf.html",
        {
            "invoice": invoice,
            "patient": invoice.patient,
            "lines": invoice.lines_snapshot,
            "payments": payments,
            "reversed": any(payment.reversed_at for payment in payments),
            "hospital": _hospital(),
            "qr": _qr_svg(invoice.number or ""),
            "printed_at": timezone.now(),
        },
    )


def render_invoice(invoice: Invoice) -> Invoice:
    """Render and store the invoice's PDF (again: after a payment its balance changed)."""
    html = invoice_html(invoice)
    with _collector_paused():
        pdf = render_pdf(html)
    _replace(invoice, invoice.pdf, f"{invoice.number}.pdf", pdf)
    return invoice


def _replace(record, file, name: str, pdf: bytes) -> None:
    """Store the new PDF, point the row at it, then delete the old one: a store that fails
    (StorageUnavailable, hms.files) leaves the old PDF and the row as they were."""
    old = file.name
    files.store(file, name, ContentFile(pdf))
    type(record).objects.filter(pk=record.pk).update(pdf=file.name)
    if old and old != file.name:
        file.storage.delete(old)


def render_receipt(payment: Payment) -> Payment:
    """Render and store the payment's receipt (again: the payment was reversed since)."""
    with _collector_paused():
        pdf = render_pdf(receipt_html(payment))
    _replace(payment, payment.pdf, f"{payment.receipt_number}.pdf", pdf)
    return payment


def receipt_html(payment: Payment) -> str:
    return render_to_string(
        "billing/receipt_pdf.html",
        {
            "payment": payment,
            "invoice": payment.invoice,
            "patient": payment.invoice.patient,
            "hospital": _hospital(),
        },
    )


def refund_html(refund: Refund) -> str:
    """The 80 mm refund receipt: how much went back, how (method and reference) and why; rendered
    when asked for, like credit notes (nothing about a refund changes after it is made)."""
    payment = refund.payment
    return render_to_string(
        "billing/refund_pdf.html",
        {
            "refund": refund,
            "payment": payment,
            "invoice": payment.invoice,
            "patient": payment.invoice.patient,
            "hospital": _hospital(),
        },
    )


def deposit_html(advance: AdvanceDeposit) -> str:
    """The 80 mm receipt of an advance deposit: what was paid, how, and that it is held on the
    account until an invoice uses it; rendered when asked for (a deposit's money never changes,
    only how much of it invoices have used, which the receipt does not claim)."""
    return render_to_string(
        "billing/deposit_pdf.html",
        {"advance": advance, "patient": advance.patient, "invoice": None, "hospital": _hospital()},
    )


def deposit_refund_html(given_back: AdvanceRefund) -> str:
    """The 80 mm slip of money of an advance deposit given back: how much, how, under which
    reference and why, with a line for the patient's signature; rendered when asked for."""
    advance = given_back.advance
    return render_to_string(
        "billing/deposit_refund_pdf.html",
        {
            "refund": given_back,
            "advance": advance,
            "patient": advance.patient,
            "invoice": None,
            "hospital": _hospital(),
        },
    )


def credit_note_html(note: CreditNote) -> str:
    return render_to_string(
        "billing/credit_note_pdf.html",
        {
            "note": note,
            "invoice": note.invoice,
            "patient": note.invoice.patient,
            "hospital": _hospital(),
        },
    )


def statement_html(statement) -> str:
    """The patient's statement for its period, every row (the screen shows it a page at a time)."""
    return render_to_string(
        "billing/statement_pdf.html",
        {
            "statement": statement,
            "patient": statement.patient,
            "hospital": _hospital(),
            "printed_at": timezone.now(),
        },
    )


def invoice_pdf_response(invoice: Invoice) -> HttpResponse:
    """The invoice's PDF for whoever may see it (the desk's Print, the portal, the API)."""
    return _stored_pdf(invoice, f"{invoice.number}.pdf", render_invoice, invoice_html)


def receipt_pdf_response(payment: Payment) -> HttpResponse:
    """The payment's receipt PDF for whoever may see it."""
    return _stored_pdf(payment, f"{payment.receipt_number}.pdf", render_receipt, receipt_html)


def _stored_pdf(record, name: str, render, html_of) -> HttpResponse:
    """An invoice's or a payment's stored PDF: rendered and stored first when its background task
    has not run yet, handed over unstored when the file store does not answer (the desk still
    prints; it is stored on a later render); a presigned URL's redirect on S3."""
    if not record.pdf:
        try:
            render(record)
        except files.StorageUnavailable:
            return pdf_response(html_of(record), name)
    if hasattr(default_storage, "bucket_name"):
        return HttpResponseRedirect(record.pdf.url)
    return FileResponse(record.pdf.open("rb"), content_type="application/pdf", filename=name)
