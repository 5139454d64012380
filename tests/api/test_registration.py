"""The desk registers a patient through the API as through its form: the next MRN, likely
duplicates stop it (409 with the candidates, nothing saved) until the desk confirms, and a
resent request registers once."""

import uuid

from clinical.models import Patient
from hms.models import AuditEntry

NEW = {
    "first_name": "Wanjiku",
    "last_name": "Njeri",
    "date_of_birth": "1988-04-12",
    "sex": "F",
    "phone": "0712 345 678",
    "address": "Kisumu Road 12, Nakuru",
}


def test_the_desk_registers_a_patient_once_however_often_the_app_sends_it(staff, api_for):
    desk = api_for(staff.receptionist)
    key = str(uuid.uuid4())

    first = desk.post("/api/v1/patients/", NEW, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = desk.post("/api/v1/patients/", NEW, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert first.status_code == 201 and first.json()["mrn"]
    assert first.json()["phone"] == "+254712345678"
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Patient.objects.filter(last_name="Njeri").count() == 1
    assert AuditEntry.objects.filter(action="patient.register").count() == 1


def test_a_likely_duplicate_is_reported_with_its_record_and_nothing_is_saved(staff, api_for):
    desk = api_for(staff.receptionist)
    first = desk.post("/api/v1/patients/", NEW, format="json").json()

    twin = desk.post("/api/v1/patients/", NEW | {"phone": "0712345678"}, format="json")
    confirmed = desk.post(
        "/api/v1/patients/",
        NEW | {"phone": "0733 000 111", "not_a_duplicate": True},
        format="json",
    )

    assert twin.status_code == 409
    assert [c["mrn"] for c in twin.json()["candidates"]] == [first["mrn"]]
    assert twin.json()["candidates"][0]["reason"]
    assert confirmed.status_code == 201
    assert Patient.objects.filter(last_name="Njeri").count() == 2


def test_bad_fields_are_named_and_a_role_that_may_not_register_is_refused(staff, api_for):
    wrong = api_for(staff.receptionist).post(
        "/api/v1/patients/", NEW | {"phone": "12", "sex": "Q"}, format="json"
    )
    nurse = api_for(staff.nurse).post("/api/v1/patients/", NEW, format="json")

    assert wrong.status_code in (400, 409)
    assert {error["field"] for error in wrong.json()["errors"]} & {"phone", "sex"}
    assert nurse.status_code == 403
    assert not Patient.objects.filter(last_name="Njeri").exists()
