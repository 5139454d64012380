"""The dispensing screens of the pharmacy."""

from django.urls import path

from pharmacy import dispensing_views as views

urlpatterns: list = [
    path("dispensing/", views.dispense_queue, name="dispense_queue"),
    path("dispensing/summary/", views.pharmacy_summary, name="pharmacy_summary"),
    path("dispensing/prescriptions/<int:pk>/", views.dispense_new, name="dispense_new"),
    path("dispensing/<int:pk>/", views.dispense_detail, name="dispense_detail"),
    path("dispensing/<int:pk>/label/", views.dispense_label, name="dispense_label"),
    path("dispensing/patients/<uuid:pk>/", views.patient_dispenses, name="patient_dispenses"),
    path("sales/", views.sale_list, name="sale_list"),
    path("sales/new/", views.sale_new, name="sale_new"),
    path("sales/<int:pk>/", views.sale_detail, name="sale_detail"),
    path("sales/<int:pk>/receipt/", views.sale_receipt, name="sale_receipt"),
]
