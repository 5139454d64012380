"""The clinical part of the JSON API (/api/v1/): patients and appointments."""

from django.urls import path

from clinical import api

urlpatterns = [
    path("patients/", api.PatientSearch.as_view(), name="api_patient_search"),
    path("me/appointments/", api.MyAppointments.as_view(), name="api_my_appointments"),
    path("appointments/", api.DayAppointments.as_view(), name="api_day_appointments"),
]
