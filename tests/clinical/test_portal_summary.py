"""The portal's home names the patient's visit of today even once the desk has checked them in."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinical.models import AppointmentStatus
from tests.factories import AppointmentFactory

# "Today, ten minutes ago" must still be today, whatever the hour CI runs at.
pytestmark = pytest.mark.usefixtures("midday")


def test_a_patient_checked_in_today_sees_that_visit_on_the_portal_home(staff, client_for):
    starts_at = timezone.now().replace(microsecond=0) - timedelta(minutes=10)
    AppointmentFactory(
        patient=staff.patient,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=15),
        status=AppointmentStatus.CHECKED_IN,
    )

    summary = client_for(staff.patient_user).get(reverse("portal_summary")).content.decode()

    assert "No visits booked." not in summary
    assert "You are checked in" in summary


def test_a_visit_already_seen_is_not_among_the_next_appointments(staff, client_for):
    starts_at = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    AppointmentFactory(
        patient=staff.patient,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=15),
        status=AppointmentStatus.COMPLETED,
    )

    summary = client_for(staff.patient_user).get(reverse("portal_summary")).content.decode()

    assert "No visits booked." in summary


def test_a_patient_reading_their_record_sees_no_record_states(staff, client_for):
    url = reverse("patient_chart", args=[staff.patient.pk])

    mine = client_for(staff.patient_user).get(url).content.decode()
    desk = client_for(staff.receptionist).get(url).content.decode()

    assert 'data-testid="state-history"' not in mine
    assert 'data-testid="patient-state"' not in mine
    assert "Record status" not in mine
    assert 'data-testid="state-history"' in desk
