"""The patient list's latest registrations and a day's appointments open on a first page read by
prepared queries (clinical.selectors.latest_registrations_first, appointment_day_page's
`first_rows`): the same rows, in the same order, and the same count as the querysets the
views paged before, for the desk, the wards, a doctor and a patient, with and without filters."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clinical import selectors
from clinical.models import Appointment, AppointmentStatus, PatientState
from tests.factories import DoctorFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("registered", [0, 3, selectors.LATEST_SHOWN, selectors.LATEST_SHOWN + 4])
def test_the_latest_registrations_first_page_is_the_querysets(registered):
    states = [*PatientState.values, PatientState.ARCHIVED]
    start = timezone.now() - timedelta(days=40)
    for n in range(registered + 3):
        patient = PatientFactory(state=states[n % len(states)])
        patient.registered_at = start + timedelta(hours=n * 7)
        patient.save(update_fields=["registered_at"])

    rows, count = selectors.latest_registrations_first()

    expected = selectors.latest_registrations()
    assert [row.pk for row in rows] == [p.pk for p in expected[: selectors.LATEST_SHOWN + 1]]
    assert count == expected.count()
    for row, patient in zip(rows, expected, strict=False):
        for name in ["mrn", "full_name", "date_of_birth", "phone", "state", "registered_at"]:
            assert getattr(row, name) == getattr(patient, name)


@pytest.mark.parametrize("zone", ["UTC", "Africa/Nairobi"])
def test_a_days_first_page_is_the_querysets_for_every_viewer(staff, zone):
    other = DoctorFactory(last_name="Aaron")
    day = timezone.localdate() + timedelta(days=2)
    with timezone.override(zone):
        start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
        # The day's first minute and last, the days either side, two doctors, every status;
        # five minutes each, so that no doctor's two overlap (PostgreSQL refuses that).
        for n, minutes in enumerate([-15, 0, 30, 30, 60, 600, 1425, 1440, 1455] * 2):
            Appointment.objects.create(
                patient=PatientFactory(),
                doctor=staff.doctor if n % 2 else other,
                starts_at=start + timedelta(minutes=minutes + 5 * (n // 9)),
                ends_at=start + timedelta(minutes=minutes + 5 * (n // 9) + 5),
                status=AppointmentStatus.values[n % len(AppointmentStatus.values)],
                fee=Decimal("500.00"),
            )
        viewers = [staff.receptionist, staff.nurse, staff.admin, staff.doctor]
        for user in viewers:
            for doctor_id in [None, staff.doctor.pk, other.pk]:
                for status in ["", AppointmentStatus.SCHEDULED]:
                    page = selectors.appointment_day_page(
                        user, day=day, doctor_id=doctor_id, status=status
                    )

                    expected = list(page["appointments"][: selectors.DAY_SHOWN + 1])
                    first_rows = page["first_rows"]
                    if first_rows is None:
                        assert status or (user == staff.doctor and doctor_id == other.pk)
                        continue
                    rows = first_rows()
                    assert [row.pk for row in rows] == [row.pk for row in expected]
                    assert [(row.patient.mrn, str(row.doctor)) for row in rows] == [
                        (row.patient.mrn, str(row.doctor)) for row in expected
                    ]
                    assert expected


def test_a_patient_has_no_prepared_first_page(staff):
    page = selectors.appointment_day_page(
        staff.patient_user, day=timezone.localdate(), doctor_id=None
    )

    assert page["first_rows"] is None
