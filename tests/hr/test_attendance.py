"""Attendance: one click in, one click out, the server's clock, once a day."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from hms import rbac
from hms.models import AuditEntry
from hr import services
from hr.models import Attendance

NAIROBI = ZoneInfo("Africa/Nairobi")


def test_the_first_click_marks_arrival_the_second_departure(make_user, client_for):
    doctor = make_user(rbac.DOCTOR)

    with time_machine.travel(datetime(2026, 11, 23, 7, 58, tzinfo=NAIROBI), tick=False):
        arrived = client_for(doctor).post(reverse("attendance_mark"), follow=True)
    with time_machine.travel(datetime(2026, 11, 23, 17, 3, tzinfo=NAIROBI), tick=False):
        client = client_for(doctor)  # signed in again: the morning session timed out long ago
        left = client.post(reverse("attendance_mark"), follow=True)
        third = client.post(reverse("attendance_mark"), follow=True)

    day = Attendance.objects.get(user=doctor)
    assert (day.time_in.astimezone(NAIROBI).hour, day.time_out.astimezone(NAIROBI).hour) == (7, 17)
    assert "in at 07:58" in arrived.content.decode() and "out at 17:03" in left.content.decode()
    assert "already recorded" in third.content.decode()
    assert list(
        AuditEntry.objects.filter(actor=doctor, action__startswith="attendance")
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["attendance.in", "attendance.out"]


def test_each_day_is_its_own_record(make_user):
    nurse = make_user(rbac.NURSE)
    for day in (23, 24):
        with time_machine.travel(datetime(2026, 11, day, 8, tzinfo=NAIROBI), tick=False):
            services.attendance_mark(user=nurse)

    assert Attendance.objects.filter(user=nurse).count() == 2


def test_patients_have_no_attendance(make_user, client_for):
    response = client_for(make_user(rbac.PATIENT)).post(reverse("attendance_mark"))

    assert response.status_code == 403 and not Attendance.objects.exists()


@pytest.mark.parametrize("role", [rbac.DOCTOR, rbac.NURSE, rbac.LAB_TECHNICIAN])
def test_staff_dashboards_offer_the_attendance_button(make_user, client_for, role):
    page = client_for(make_user(role)).get(reverse("dashboard")).content.decode()

    assert 'data-testid="mark-attendance"' in page
