"""A patient books, moves and cancels their own appointment through the API, under the same
rules as the portal's pages; a repeated request acts once; another patient's ids answer 404."""

import uuid
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clinical.models import Appointment, AppointmentStatus
from hms.models import AuditEntry
from tests.factories import DoctorScheduleFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
TUESDAY = date(2026, 11, 24)
BOOK = "/api/v1/me/appointments/book/"


def at(hour: int, minute: int = 0) -> str:
    return datetime.combine(TUESDAY, time(hour, minute), tzinfo=NAIROBI).isoformat()


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(datetime(2026, 11, 23, 6, 0, tzinfo=NAIROBI), tick=False):
        yield


@pytest.fixture
def hours(staff):
    for weekday in range(5):
        DoctorScheduleFactory(doctor=staff.doctor, weekday=weekday)


def test_the_patient_finds_a_free_slot_and_books_it_once_however_often_the_app_sends_it(
    staff, hours, api_for
):
    app = api_for(staff.patient_user)
    doctors = app.get("/api/v1/doctors/").json()
    doctor = next(row for row in doctors if row["name"] == "Amina Odhiambo")
    slots = app.get(f"/api/v1/doctors/{doctor['id']}/slots/?day={TUESDAY}").json()
    assert len(slots) == 12 and all(slot["free"] for slot in slots)
    key = str(uuid.uuid4())
    given = {"doctor": doctor["id"], "starts_at": slots[0]["starts_at"], "reason": "Cough"}

    first = app.post(BOOK, given, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = app.post(BOOK, given, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert first.status_code == 201
    assert first.json()["starts_at"] == at(9) and first.json()["status"] == "scheduled"
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Appointment.objects.filter(patient=staff.patient).count() == 1
    assert AuditEntry.objects.filter(action="appointment.book").count() == 1
    taken = app.get(f"/api/v1/doctors/{doctor['id']}/slots/?day={TUESDAY}").json()
    assert taken[0]["free"] is False


def test_a_slot_taken_meanwhile_is_refused_with_the_next_free_ones(staff, hours, api_for):
    api_for(staff.other_patient_user).post(
        BOOK, {"doctor": staff.doctor.pk, "starts_at": at(9)}, format="json"
    )

    refused = api_for(staff.patient_user).post(
        BOOK, {"doctor": staff.doctor.pk, "starts_at": at(9)}, format="json"
    )

    assert refused.status_code == 409
    problem = refused.json()
    assert problem["title"] == "Refused by a rule" and problem["detail"]
    assert problem["next_free"][0]["starts_at"] == at(9, 15)
    assert Appointment.objects.filter(patient=staff.patient).count() == 0


def test_a_slot_outside_the_doctors_hours_is_refused_and_nothing_is_booked(staff, hours, api_for):
    refused = api_for(staff.patient_user).post(
        BOOK, {"doctor": staff.doctor.pk, "starts_at": at(15)}, format="json"
    )

    assert refused.status_code == 409
    assert not Appointment.objects.exists()


def test_the_patient_moves_and_cancels_their_appointment(staff, hours, api_for):
    app = api_for(staff.patient_user)
    booked = app.post(BOOK, {"doctor": staff.doctor.pk, "starts_at": at(9)}, format="json").json()

    moved = app.post(
        f"/api/v1/me/appointments/{booked['id']}/reschedule/", {"starts_at": at(10)}, format="json"
    )
    cancelled = app.post(f"/api/v1/me/appointments/{booked['id']}/cancel/", {}, format="json")

    assert moved.status_code == 200 and moved.json()["starts_at"] == at(10)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert Appointment.objects.get().status == AppointmentStatus.CANCELLED


def test_another_patients_appointment_answers_as_missing_and_stays_as_it_was(staff, hours, api_for):
    booked = api_for(staff.patient_user).post(
        BOOK, {"doctor": staff.doctor.pk, "starts_at": at(9)}, format="json"
    )
    stranger = api_for(staff.other_patient_user)
    pk = booked.json()["id"]

    cancel = stranger.post(f"/api/v1/me/appointments/{pk}/cancel/", {}, format="json")
    move = stranger.post(
        f"/api/v1/me/appointments/{pk}/reschedule/", {"starts_at": at(11)}, format="json"
    )
    listed = stranger.get("/api/v1/me/appointments/").json()["results"]

    assert cancel.status_code == 404 and move.status_code == 404
    assert listed == []
    appointment = Appointment.objects.get()
    assert appointment.status == AppointmentStatus.SCHEDULED
    assert appointment.starts_at == datetime.fromisoformat(at(9))


def test_an_idempotency_key_that_is_not_a_uuid_is_named(staff, hours, api_for):
    answer = api_for(staff.patient_user).post(
        BOOK,
        {"doctor": staff.doctor.pk, "starts_at": at(9)},
        format="json",
        HTTP_IDEMPOTENCY_KEY="twice",
    )

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not Appointment.objects.exists()
