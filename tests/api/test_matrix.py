"""The permission matrix over every URL of the JSON API: anonymous callers get 401, each role
what hms.rbac gives it (403 as problem details, with no patient data, otherwise), and an API
view that declares no capability fails the walk."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from clinical.models import Prescription, Vitals
from hms import rbac
from hms.api import is_api_view
from tests.api.conftest import tokens_for
from tests.engineering.conftest import register
from tests.factories import AppointmentFactory, BedFactory, EncounterFactory, LabOrderFactory


def api_urls(patterns=None, prefix=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from api_urls(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and is_api_view(entry.callback):
            yield "/" + prefix + str(entry.pattern), entry.callback.cls


def _method(view_class) -> str:
    return "get" if hasattr(view_class, "get") else "post"


def _filled(route: str, ids: dict[str, object]) -> str:
    """The route with its id filled from real sample records: Mary's record and appointment,
    Dr Odhiambo's slots, a machine, a test order; a FHIR route's <str:pk> with Mary's record of
    that resource type."""
    if route.startswith("/fhir/") and "<str:pk>" in route:
        resource_type = route.removeprefix("/fhir/").split("/")[0]
        return route.replace("<str:pk>", str(ids[resource_type]))
    prefixes = {"/api/v1/doctors/": "doctor", "/api/v1/machines/": "machine"}
    prefixes["/api/v1/lab/orders/"] = "order"
    key = next((key for prefix, key in prefixes.items() if route.startswith(prefix)), "appointment")
    return route.replace("<int:pk>", str(ids[key])).replace("<uuid:pk>", str(ids["patient"]))


def _refusal(answer) -> str:
    """The sentence of a refusal: problem details' `detail`, an OperationOutcome's diagnostics."""
    body = answer.json()
    if body.get("resourceType") == "OperationOutcome":
        return body["issue"][0]["diagnostics"]
    return body["detail"]


def _fhir_ids(staff, appointment) -> dict[str, object]:
    """One of Mary's records of each FHIR resource type (and a ward's bed)."""
    encounter = EncounterFactory(patient=staff.patient, doctor=staff.doctor, diagnosis="Malaria")
    prescription = Prescription.objects.create(
        encounter=encounter,
        patient=staff.patient,
        doctor=staff.doctor,
        drug="Artemether/lumefantrine",
        dose="4 tablets",
        frequency="twice a day",
        duration="3 days",
    )
    vitals = Vitals.objects.create(
        patient=staff.patient, recorded_by=staff.nurse, recorded_at=timezone.now(), pulse=80
    )
    order = LabOrderFactory(patient=staff.patient, ordered_by=staff.doctor, verified=True)
    return {
        "Patient": staff.patient.pk,
        "Practitioner": staff.doctor.pk,
        "Encounter": encounter.pk,
        "Condition": encounter.pk,
        "MedicationRequest": prescription.pk,
        "Appointment": appointment.pk,
        "Observation": f"vs-{vitals.pk}-hr",
        "DiagnosticReport": order.pk,
        "Location": f"bed-{BedFactory().pk}",
    }


def test_every_api_view_declares_a_capability_of_the_matrix():
    found = list(api_urls())
    assert len(found) >= 25
    for route, view_class in found:
        capability = getattr(view_class, "capability", None)
        assert capability is not None, f"{route} declares no capability"
        assert capability in (rbac.PUBLIC, rbac.SIGNED_IN) or capability in rbac.MATRIX, route


@pytest.mark.parametrize("role", [None, *rbac.ROLES])
def test_matrix_over_every_api_url(staff, role):
    appointment = AppointmentFactory(patient=staff.patient, doctor=staff.doctor)
    ids = {
        "appointment": appointment.pk,
        "doctor": staff.doctor.pk,
        "patient": staff.patient.pk,
        "machine": register(staff.engineer).pk,
        "order": LabOrderFactory(patient=staff.patient).pk,
    }
    ids |= _fhir_ids(staff, appointment)
    client = APIClient()
    if role is not None:
        access = tokens_for(staff.of_role(role))["access"]
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    for route, view_class in api_urls():
        capability = view_class.capability
        answer = getattr(client, _method(view_class))(_filled(route, ids), format="json")
        where = f"{role or 'anonymous'} {route}"
        if capability == rbac.PUBLIC:
            assert answer.status_code not in (401, 403, 500), where
        elif role is None:
            assert answer.status_code == 401, where
            assert answer["WWW-Authenticate"].startswith("Bearer"), where
        elif rbac.role_allowed(role, capability, getattr(view_class, "scopes", None)):
            # Allowed by the matrix; an object-level refusal (the administrator has no patient
            # record to book for) says so in its own words.
            assert answer.status_code in (200, 400, 403, 404, 409), (where, answer.content[:300])
            if answer.status_code in (403, 404):
                assert not _refusal(answer).startswith("Your role may not"), where
                assert role == rbac.ADMIN or answer.status_code == 404, where
        else:
            assert answer.status_code == 403, where
            # JSON problem details, except where the view speaks another format (the schema's
            # YAML, the docs page's HTML: the 403 page).
            if answer["Content-Type"] == "application/problem+json":
                problem = answer.json()
                assert problem["status"] == 403, where
                assert problem["detail"].startswith("Your role may not"), where
            elif answer["Content-Type"].startswith("application/fhir+json"):
                assert _refusal(answer).startswith("Your role may not"), where
            assert staff.other_patient.last_name not in answer.content.decode()
