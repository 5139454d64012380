"""The billing part of the JSON API (/api/v1/): a patient's own invoices and payments.

GET /api/v1/me/invoices/                my issued invoices, newest first, with their payments
GET /api/v1/invoices/<id>/pdf/          the invoice PDF (the desk, or the patient's own)
GET /api/v1/payments/<id>/receipt/      a payment's receipt PDF (likewise)
"""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import ListAPIView
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from billing import documents, selectors
from billing.models import Invoice, Payment
from hms import rbac
from hms.api import CursorPage


class PaymentRow(serializers.ModelSerializer):
    mode_label = serializers.CharField(source="get_mode_display", read_only=True)
    receipt = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = ["id", "receipt_number", "amount", "mode", "mode_label", "received_at", "receipt"]

    def get_receipt(self, payment: Payment) -> str:
        return reverse("api_receipt_pdf", args=[payment.pk], request=self.context.get("request"))


class InvoiceRow(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    payments = PaymentRow(source="kept_payments", many=True, read_only=True)
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "status",
            "status_label",
            "issued_at",
            "subtotal",
            "discount_amount",
            "tax_total",
            "total",
            "insurer",
            "insurer_share",
            "patient_share",
            "amount_paid",
            "balance",
            "payments",
            "pdf",
        ]

    def get_pdf(self, invoice: Invoice) -> str:
        return reverse("api_invoice_pdf", args=[invoice.pk], request=self.context.get("request"))


class InvoicePage(CursorPage):
    ordering = ("-issued_at", "-id")


class MyInvoices(ListAPIView):
    """A patient's own issued invoices, newest first, each with its payments (reversed ones left
    out) and what is still owed."""

    capability = "billing.invoices"
    scopes = {rbac.OWN}
    serializer_class = InvoiceRow
    pagination_class = InvoicePage

    def get_queryset(self):
        kept = Payment.objects.filter(reversed_at__isnull=True).order_by("received_at", "id")
        return selectors.visible_invoices(self.request.user).prefetch_related(
            Prefetch("payments", queryset=kept, to_attr="kept_payments")
        )


class InvoicePdf(APIView):
    """The invoice's PDF (rendered and stored first if its task has not run yet)."""

    capability = "billing.invoices"

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, pk: int):
        invoice = selectors.visible_invoices(request.user).filter(pk=pk).first()
        if invoice is None:
            raise exceptions.NotFound("No invoice of yours has that id.")
        return documents.invoice_pdf_response(invoice)


class ReceiptPdf(APIView):
    """A payment's receipt PDF."""

    capability = "billing.invoices"

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, pk: int):
        payment = (
            Payment.objects.select_related("invoice")
            .filter(pk=pk, invoice__in=selectors.visible_invoices(request.user))
            .first()
        )
        if payment is None:
            raise exceptions.NotFound("No payment of yours has that id.")
        return documents.receipt_pdf_response(payment)
