"""The permission matrix over every URL of the JSON API: anonymous callers get 401, each role
what hms.rbac gives it (403 as problem details, with no patient data, otherwise), and an API
view that declares no capability fails the walk."""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from clinical.models import Prescription, Vitals
from hms import rbac
from hms.api import is_api_view
from hms.models import AuditEntry
from messaging import services as messaging
from tests.api.conftest import tokens_for
from tests.engineering.conftest import register
from tests.factories import (
    AppointmentFactory,
    BedFactory,
    EncounterFactory,
    LabOrderFactory,
    invoice_issued,
    payment_taken,
)


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


def _marys_records(staff) -> dict[str, object]:
    """One of Mary's records for every object route of the API and FHIR: route -> id."""
    appointment = AppointmentFactory(patient=staff.patient, doctor=staff.doctor)
    result = LabOrderFactory(patient=staff.patient, ordered_by=staff.doctor, verified=True)
    result.report.save("cbc.pdf", ContentFile(b"%PDF-1.4 result"), save=True)
    result.versions.update(report=result.report.name)
    invoice = invoice_issued(staff.receptionist, staff.patient, "NURS-DRESS")
    payment = payment_taken(staff.receptionist, invoice, "100")
    messaging.notify(staff.patient_user, "Your result is ready")
    thread = messaging.thread_start(initiator=staff.doctor, others=[staff.patient_user])
    messaging.message_send(sender=staff.doctor, thread=thread, body="How is the cough?")
    fhir = _fhir_ids(staff, appointment)
    machine = register(staff.engineer).pk
    return {
        "/api/v1/patients/<uuid:pk>/vitals/": staff.patient.pk,
        "/api/v1/doctors/<int:pk>/slots/": staff.doctor.pk,
        "/api/v1/me/appointments/<int:pk>/reschedule/": appointment.pk,
        "/api/v1/me/appointments/<int:pk>/cancel/": appointment.pk,
        "/api/v1/results/<int:pk>/report/": result.pk,
        "/api/v1/lab/orders/<int:pk>/advance/": result.pk,
        "/api/v1/invoices/<int:pk>/pdf/": invoice.pk,
        "/api/v1/payments/<int:pk>/receipt/": payment.pk,
        "/api/v1/me/notifications/<int:pk>/read/": staff.patient_user.notifications.get().pk,
        "/api/v1/chat/threads/<int:pk>/messages/": thread.pk,
        "/api/v1/machines/<int:pk>/": machine,
        "/api/v1/machines/<int:pk>/faults/": machine,
        "/fhir/Patient/<str:pk>": fhir["Patient"],
        "/fhir/Patient/<str:pk>/$everything": fhir["Patient"],
        "/fhir/Practitioner/<str:pk>": fhir["Practitioner"],
        "/fhir/Encounter/<str:pk>": fhir["Encounter"],
        "/fhir/Condition/<str:pk>": fhir["Condition"],
        "/fhir/MedicationRequest/<str:pk>": fhir["MedicationRequest"],
        "/fhir/Appointment/<str:pk>": fhir["Appointment"],
        "/fhir/Observation/<str:pk>": fhir["Observation"],
        "/fhir/DiagnosticReport/<str:pk>": fhir["DiagnosticReport"],
        "/fhir/Location/<str:pk>": fhir["Location"],
    }


# Object routes that are not a patient's records: any signed-in patient may read them.
NOT_PRIVATE = {"/api/v1/doctors/<int:pk>/slots/", "/fhir/Practitioner/<str:pk>"}


def test_a_second_patient_reaches_none_of_the_first_ones_records(staff, charge_master):
    """John's token over every object URL filled with Mary's ids: 404 as if missing (or 403
    where his role may not use the route at all), never her data, nothing changed; Mary's own
    token reads the same URLs, so the ids are real."""
    records = _marys_records(staff)
    object_routes = {route: cls for route, cls in api_urls() if "<" in route}
    assert set(object_routes) == set(records), "every object route needs one of Mary's records"
    mary, john = APIClient(), APIClient()
    mary.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(staff.patient_user)['access']}")
    john.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(staff.other_patient_user)['access']}")
    audit_before = AuditEntry.objects.count()

    mine = []
    for route, view_class in object_routes.items():
        url = re.sub(r"<\w+:pk>", str(records[route]), route)
        method = _method(view_class)
        answer = getattr(john, method)(url, {}, format="json")
        scopes = getattr(view_class, "scopes", None)
        allowed = rbac.role_allowed(rbac.PATIENT, view_class.capability, scopes)
        if route in NOT_PRIVATE:
            assert answer.status_code == 200, route
            continue
        assert answer.status_code == (404 if allowed else 403), (route, answer.content[:200])
        assert b"Akinyi" not in answer.content, route
        if allowed and method == "get":
            mine.append(url)

    assert AuditEntry.objects.count() == audit_before, "John's tries changed nothing"
    assert staff.patient_user.notifications.get().read_at is None
    assert staff.patient.appointments.get().status == "scheduled"
    assert len(mine) >= 8
    for url in mine:
        assert mary.get(url).status_code == 200, url
