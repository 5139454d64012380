"""Lab's part of the FHIR interface (/fhir/): Observations (vital signs and lab values) and
DiagnosticReports."""

from django.urls import path

from lab import fhir

urlpatterns = [
    path("Observation", fhir.ObservationSearch.as_view(), name="fhir_observation_search"),
    path("Observation/<str:pk>", fhir.ObservationRead.as_view(), name="fhir_observation"),
    path(
        "DiagnosticReport",
        fhir.DiagnosticReportSearch.as_view(),
        name="fhir_diagnostic_report_search",
    ),
    path(
        "DiagnosticReport/<str:pk>",
        fhir.DiagnosticReportRead.as_view(),
        name="fhir_diagnostic_report",
    ),
]
