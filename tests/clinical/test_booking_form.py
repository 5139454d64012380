"""The booking form says what is wrong beside the field it is about and keeps what was typed."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from clinical.models import Appointment
from hms import rbac
from tests.factories import DoctorScheduleFactory, PatientFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(datetime.combine(MONDAY, time(6), tzinfo=NAIROBI), tick=False):
        yield


def test_an_over_long_reason_is_refused_beside_the_reason_and_kept(make_user, client_for):
    doctor = make_user(rbac.DOCTOR)
    DoctorScheduleFactory(doctor=doctor, weekday=MONDAY.weekday())
    patient = PatientFactory()
    reason = "Cough " * 50

    response = client_for(make_user(rbac.RECEPTIONIST)).post(
        reverse("appointment_book"),
        {
            "patient": patient.pk,
            "doctor": doctor.pk,
            "date": MONDAY.isoformat(),
            "starts_at": "2026-11-23T09:00",
            "reason": reason,
        },
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert 'id="reason-error" class="invalid-feedback" data-testid="booking-error">' in page
    assert "Reason: at most 200 characters (this has 299)." in page
    assert 'class="alert alert-danger"' not in page  # not above the form
    assert f'value="{reason}"' in page
    assert not Appointment.objects.exists()
