"""A refused appointment, chart or schedule form answers its page again: the message beside its
field, what was typed still in it, and nothing changed."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from clinical import services
from clinical.models import (
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    PatientState,
    ScheduleException,
)
from hms import rbac
from tests.factories import DoctorScheduleFactory, PatientFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)
TOO_LONG = "x" * 10_000


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=NAIROBI)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(at(6), tick=False):
        yield


@pytest.fixture
def doctor(make_user):
    doctor = make_user(rbac.DOCTOR, first_name="Amina", last_name="Otieno")
    DoctorScheduleFactory(doctor=doctor, weekday=MONDAY.weekday())
    return doctor


@pytest.fixture
def clerk(make_user):
    return make_user(rbac.RECEPTIONIST)


@pytest.fixture
def appointment(doctor, clerk):
    return services.appointment_book(
        actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=at(10)
    )


def test_an_over_long_reason_for_moving_is_said_beside_it(appointment, clerk, client_for):
    typed = "Patient travelling " + TOO_LONG

    response = client_for(clerk).post(
        reverse("appointment_reschedule", args=[appointment.pk]),
        {"starts_at": at(11).isoformat(), "reason": typed},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="move-reason-error"' in page and "is-invalid" in page
    assert "at most 200 characters" in page
    assert typed in page
    assert f'value="{at(11).isoformat()}" autocomplete="off" checked' in page
    assert Appointment.objects.get(pk=appointment.pk).starts_at == at(10)
    assert not AppointmentChange.objects.filter(
        appointment=appointment, kind=AppointmentChange.Kind.RESCHEDULED
    ).exists()


def test_moving_without_a_slot_asks_for_one_and_keeps_the_reason(appointment, clerk, client_for):
    response = client_for(clerk).post(
        reverse("appointment_reschedule", args=[appointment.pk]), {"reason": "Clinic overrun"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="move-slots-error"' in page and "Choose the new slot." in page
    assert 'value="Clinic overrun"' in page
    assert Appointment.objects.get(pk=appointment.pk).starts_at == at(10)


def test_an_over_long_reason_for_cancelling_is_said_beside_it(appointment, clerk, client_for):
    typed = "Feeling better " + TOO_LONG

    response = client_for(clerk).post(
        reverse("appointment_cancel", args=[appointment.pk]), {"reason": typed}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="cancel-reason-error"' in page and "is-invalid" in page
    assert typed in page
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.SCHEDULED


def test_an_impossible_day_off_is_said_beside_the_date(doctor, make_user, client_for):
    admin = make_user(rbac.ADMIN)

    response = client_for(admin).post(
        reverse("schedule_exception_add"),
        {
            "exception-doctor": doctor.pk,
            "exception-date": "2026-02-30",
            "exception-reason": "Conference in Kisumu",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error_1_id_exception-date"' in page and "is-invalid" in page
    assert 'value="2026-02-30"' in page and 'value="Conference in Kisumu"' in page
    assert not ScheduleException.objects.exists()


def test_a_day_off_with_half_a_time_range_says_so_above_the_form(doctor, make_user, client_for):
    admin = make_user(rbac.ADMIN)

    response = client_for(admin).post(
        reverse("schedule_exception_add"),
        {
            "exception-doctor": doctor.pk,
            "exception-date": "2026-11-30",
            "exception-start_time": "09:00",
            "exception-reason": "Half day",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Give both a start and an end time" in page
    assert 'value="Half day"' in page and 'value="09:00"' in page
    assert not ScheduleException.objects.exists()


# --- the chart: archive, reactivate, the portal login -----------------------------------------


def test_an_over_long_reason_for_archiving_is_said_beside_it(clerk, client_for):
    patient = PatientFactory()
    typed = "Moved abroad " + TOO_LONG

    response = client_for(clerk).post(
        reverse("patient_archive", args=[patient.pk]), {"reason": typed}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="state-reason-error"' in page and "Reason: at most 200 characters" in page
    assert typed in page
    patient.refresh_from_db()
    assert not patient.is_archived
    assert not patient.state_changes.filter(to_state=PatientState.ARCHIVED).exists()


def test_an_over_long_reason_for_reactivating_is_said_beside_it(clerk, client_for):
    patient = PatientFactory()
    services.patient_transition(actor=clerk, patient=patient, to_state=PatientState.ARCHIVED)
    typed = "Back in Nairobi " + TOO_LONG

    response = client_for(clerk).post(
        reverse("patient_reactivate", args=[patient.pk]), {"reason": typed}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="state-reason-error"' in page and "is-invalid" in page
    assert typed in page
    patient.refresh_from_db()
    assert patient.is_archived


def test_a_taken_portal_username_is_said_beside_it(clerk, client_for, make_user):
    make_user(rbac.PATIENT, username="wanjiku.000042")
    patient = PatientFactory()

    response = client_for(clerk).post(
        reverse("patient_portal_login", args=[patient.pk]),
        {"username": "wanjiku.000042", "email": "wanjiku@example.com"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="portal-username-error"' in page and "is-invalid" in page
    assert 'value="wanjiku.000042"' in page and 'value="wanjiku@example.com"' in page
    patient.refresh_from_db()
    assert patient.user_id is None


def test_an_empty_portal_username_asks_for_one(clerk, client_for):
    patient = PatientFactory()

    response = client_for(clerk).post(
        reverse("patient_portal_login", args=[patient.pk]), {"username": " ", "email": "a@b.co"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="portal-username-error"' in page and "Choose a username" in page
    assert 'value="a@b.co"' in page
    patient.refresh_from_db()
    assert patient.user_id is None
