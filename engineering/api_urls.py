"""The engineering part of the JSON API (/api/v1/)."""

from django.urls import path

from engineering import api

urlpatterns = [
    path("machines/<int:pk>/", api.MachineDetail.as_view(), name="api_machine"),
    path("machines/<int:pk>/faults/", api.RaiseFault.as_view(), name="api_machine_fault"),
]
