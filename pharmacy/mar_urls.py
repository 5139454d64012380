"""The screens of the medication administration record."""

from django.urls import path

from pharmacy import mar_views as views

urlpatterns: list = [
    path("mar/round/", views.mar_round, name="mar_round"),
    path("mar/overdue/", views.mar_overdue, name="mar_overdue"),
    path("mar/admissions/<int:pk>/", views.medication_chart, name="medication_chart"),
    path("mar/admissions/<int:pk>/panel/", views.medication_panel, name="medication_panel"),
    path(
        "mar/admissions/<int:pk>/orders/", views.medication_order_new, name="medication_order_new"
    ),
    path("mar/orders/<int:pk>/stop/", views.medication_order_stop, name="medication_order_stop"),
    path("mar/orders/<int:pk>/doses/", views.dose_record, name="dose_record"),
]
