"""The billing part of the JSON API (/api/v1/)."""

from django.urls import path

from billing import api

urlpatterns = [
    path("me/invoices/", api.MyInvoices.as_view(), name="api_my_invoices"),
    path("invoices/<int:pk>/pdf/", api.InvoicePdf.as_view(), name="api_invoice_pdf"),
    path("payments/<int:pk>/receipt/", api.ReceiptPdf.as_view(), name="api_receipt_pdf"),
]
