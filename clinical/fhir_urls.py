"""Clinical's part of the FHIR interface (/fhir/): patients, staff, consultations, diagnoses,
prescriptions, appointments, the CapabilityStatement and the import of Patients."""

from django.urls import path

from clinical import fhir

urlpatterns = [
    path("metadata", fhir.Metadata.as_view(), name="fhir_metadata"),
    path("", fhir.BundleImport.as_view(), name="fhir_bundle"),
    path("Patient", fhir.PatientSearch.as_view(), name="fhir_patient_search"),
    path("Patient/<str:pk>", fhir.PatientRead.as_view(), name="fhir_patient"),
    path(
        "Patient/<str:pk>/$everything",
        fhir.PatientEverything.as_view(),
        name="fhir_patient_everything",
    ),
    path("Practitioner", fhir.PractitionerSearch.as_view(), name="fhir_practitioner_search"),
    path("Practitioner/<str:pk>", fhir.PractitionerRead.as_view(), name="fhir_practitioner"),
    path("Encounter", fhir.EncounterRecords.as_view(), name="fhir_encounter_search"),
    path("Encounter/<str:pk>", fhir.EncounterRecords.as_view(), name="fhir_encounter"),
    path("Condition", fhir.ConditionRecords.as_view(), name="fhir_condition_search"),
    path("Condition/<str:pk>", fhir.ConditionRecords.as_view(), name="fhir_condition"),
    path(
        "MedicationRequest",
        fhir.MedicationRequestRecords.as_view(),
        name="fhir_medication_request_search",
    ),
    path(
        "MedicationRequest/<str:pk>",
        fhir.MedicationRequestRecords.as_view(),
        name="fhir_medication_request",
    ),
    path("Appointment", fhir.AppointmentRecords.as_view(), name="fhir_appointment_search"),
    path("Appointment/<str:pk>", fhir.AppointmentRecords.as_view(), name="fhir_appointment"),
]
