"""Background billing work (Huey): rendering PDFs off the request."""

from huey.contrib.djhuey import db_task

from billing import documents
from billing.models import Invoice, Payment


@db_task()
def render_invoice_pdf(invoice_id: int) -> None:
    invoice = Invoice.objects.select_related("patient", "admission").filter(pk=invoice_id).first()
    if invoice is not None and invoice.number:
        documents.render_invoice(invoice)


@db_task()
def render_receipt_pdf(payment_id: int) -> None:
    payment = Payment.objects.select_related("invoice__patient").filter(pk=payment_id).first()
    if payment is not None:
        documents.render_receipt(payment)
