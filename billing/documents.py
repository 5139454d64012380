"""Billing's printed documents: the A4 invoice and the 80 mm receipt, rendered with WeasyPrint
and kept in private storage (S3 in production)."""

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone

from billing.models import CreditNote, Invoice, Payment
from hms.pdf import render_pdf


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=4, border=1)
    return image.to_string(encoding="unicode")


def _hospital() -> dict:
    return {
        "name": settings.HOSPITAL_NAME,
        "address": settings.HOSPITAL_ADDRESS,
        "tax_number": settings.HOSPITAL_TAX_NUMBER,
        "currency": settings.HMS_CURRENCY,
    }


def invoice_html(invoice: Invoice) -> str:
    return render_to_string(
        "billing/invoice_pdf.html",
        {
            "invoice": invoice,
            "patient": invoice.patient,
            "lines": invoice.lines_snapshot,
            "payments": invoice.payments.prefetch_related("refunds"),
            "hospital": _hospital(),
            "qr": _qr_svg(invoice.number or ""),
            "printed_at": timezone.now(),
        },
    )


def render_invoice(invoice: Invoice) -> Invoice:
    """Render and store the invoice's PDF (again: after a payment its balance changed)."""
    pdf = render_pdf(invoice_html(invoice))
    if invoice.pdf:
        invoice.pdf.delete(save=False)
    invoice.pdf.save(f"{invoice.number}.pdf", ContentFile(pdf), save=False)
    Invoice.objects.filter(pk=invoice.pk).update(pdf=invoice.pdf.name)
    return invoice


def render_receipt(payment: Payment) -> Payment:
    html = render_to_string(
        "billing/receipt_pdf.html",
        {
            "payment": payment,
            "invoice": payment.invoice,
            "patient": payment.invoice.patient,
            "hospital": _hospital(),
        },
    )
    payment.pdf.save(f"{payment.receipt_number}.pdf", ContentFile(render_pdf(html)), save=False)
    Payment.objects.filter(pk=payment.pk).update(pdf=payment.pdf.name)
    return payment


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
