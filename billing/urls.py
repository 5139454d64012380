from django.urls import path

from billing import views

urlpatterns = [
    path("charges/", views.charge_master, name="charge_master"),
    path("charges/<int:pk>/", views.charge_item_edit, name="charge_item_edit"),
    path("patients/<uuid:pk>/", views.patient_account, name="patient_account"),
    path("patients/<uuid:pk>/charge/", views.manual_charge, name="manual_charge"),
    path("lines/<int:pk>/reverse/", views.charge_reverse, name="charge_reverse"),
]
