"""The clinical part of the JSON API (/api/v1/): patients and appointments."""

from django.urls import path

from clinical import api

urlpatterns = [
    path("patients/", api.PatientSearch.as_view(), name="api_patient_search"),
    path("patients/<uuid:pk>/vitals/", api.RecordVitals.as_view(), name="api_record_vitals"),
    path("me/appointments/", api.MyAppointments.as_view(), name="api_my_appointments"),
    path("appointments/", api.DayAppointments.as_view(), name="api_day_appointments"),
    path("me/prescriptions/", api.MyPrescriptions.as_view(), name="api_my_prescriptions"),
    path("doctors/", api.Doctors.as_view(), name="api_doctors"),
    path("doctors/<int:pk>/slots/", api.DoctorSlots.as_view(), name="api_doctor_slots"),
    path("me/appointments/book/", api.Book.as_view(), name="api_book"),
    path("me/appointments/<int:pk>/reschedule/", api.Reschedule.as_view(), name="api_reschedule"),
    path("me/appointments/<int:pk>/cancel/", api.Cancel.as_view(), name="api_cancel"),
]
