"""Wards' part of the FHIR interface (/fhir/): wards and beds as Locations."""

from django.urls import path

from wards import fhir

urlpatterns = [
    path("Location", fhir.LocationSearch.as_view(), name="fhir_location_search"),
    path("Location/<str:pk>", fhir.LocationRead.as_view(), name="fhir_location"),
]
