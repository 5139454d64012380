from django.urls import path

from billing import views

urlpatterns = [
    path("charges/", views.charge_master, name="charge_master"),
    path("charges/<int:pk>/", views.charge_item_edit, name="charge_item_edit"),
    path("patients/<uuid:pk>/", views.patient_account, name="patient_account"),
    path("patients/<uuid:pk>/statement/", views.patient_statement, name="patient_statement"),
    path("patients/<uuid:pk>/charge/", views.manual_charge, name="manual_charge"),
    path(
        "patients/<uuid:pk>/discharge-exemption/",
        views.discharge_exemption,
        name="discharge_exemption",
    ),
    path("lines/<int:pk>/reverse/", views.charge_reverse, name="charge_reverse"),
    path("patients/<uuid:pk>/invoice/", views.invoice_create, name="invoice_create"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:pk>/discount/", views.invoice_discount, name="invoice_discount"),
    path("invoices/<int:pk>/void/", views.invoice_void, name="invoice_void"),
    path("invoices/<int:pk>/credit/", views.credit_note_create, name="credit_note_create"),
    path("invoices/<int:pk>/pay/", views.payment_take, name="payment_take"),
    path("invoices/<int:pk>/pay-from-advance/", views.advance_apply, name="advance_apply"),
    path("patients/<uuid:pk>/deposit/", views.advance_take, name="advance_take"),
    path("deposits/<int:pk>/refund/", views.advance_refund, name="advance_refund"),
    path("payments/<int:pk>/refund/", views.payment_refund, name="payment_refund"),
    path("payments/<int:pk>/reverse/", views.payment_reverse, name="payment_reverse"),
    path("documents/<str:token>/", views.billing_document, name="billing_document"),
    path("my-invoices/", views.portal_invoices, name="portal_invoices"),
    path("outstanding/", views.outstanding, name="outstanding"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/<int:pk>/approve/", views.claim_approve, name="claim_approve"),
    path("claims/<int:pk>/reject/", views.claim_reject, name="claim_reject"),
    path("claims/<int:pk>/pay/", views.claim_pay, name="claim_pay"),
    path("panel/", views.billing_panel, name="billing_panel"),
]
