"""Attendance by the button: one click in, one click out, the server's clock; several intervals a
day since issue 17 (a break, then back). Signing in opens intervals of its own
(tests/hr/test_attendance_automatic.py): these tests count the button's (`clicks`)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from hms import rbac
from hms.models import AuditEntry
from hr import services
from hr.models import Attendance, Started

NAIROBI = ZoneInfo("Africa/Nairobi")


def clicks(user):
    """The intervals the attendance button made (signing in makes its own)."""
    return Attendance.objects.filter(user=user, started_by=Started.CLICK)


def test_the_first_click_marks_arrival_the_second_departure(make_user, client_for):
    doctor = make_user(rbac.DOCTOR)

    with time_machine.travel(datetime(2026, 11, 23, 7, 58, tzinfo=NAIROBI), tick=False):
        arrived = client_for(doctor).post(reverse("attendance_mark"), follow=True)
    with time_machine.travel(datetime(2026, 11, 23, 17, 3, tzinfo=NAIROBI), tick=False):
        client = client_for(doctor)  # signed in again: the morning session timed out long ago
        left = client.post(reverse("attendance_mark"), follow=True)
        third = client.post(reverse("attendance_mark"), follow=True)

    day = clicks(doctor).get()
    assert (day.time_in.astimezone(NAIROBI).hour, day.time_out.astimezone(NAIROBI).hour) == (7, 17)
    assert "in at 07:58" in arrived.content.decode() and "out at 17:03" in left.content.decode()
    # Once a day is no longer the rule (a break, then back); a tap a moment later is still no
    # new arrival.
    assert "a moment ago" in third.content.decode()
    assert list(
        AuditEntry.objects.filter(actor=doctor, action__startswith="attendance")
        .exclude(action__startswith="attendance.auto")
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


# --- night shifts: the next click within the longest shift closes the open arrival ---------------


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NAIROBI)


def click(user, moment: datetime) -> Attendance:
    with time_machine.travel(moment, tick=False):
        return services.attendance_mark(user=user)


def test_a_night_shift_is_closed_by_the_morning_click_across_midnight(make_user, client_for):
    nurse = make_user(rbac.NURSE)
    click(nurse, at(23, 18, 30))

    with time_machine.travel(at(24, 7, 10), tick=False):
        page = client_for(nurse).post(reverse("attendance_mark"), follow=True).content.decode()

    night = clicks(nurse).get()
    assert night.date.isoformat() == "2026-11-23" and not night.no_clock_out
    assert night.time_out == at(24, 7, 10)
    assert "out at 07:10 (in since Mon 23 Nov 18:30)" in page
    assert "12\xa0hours, 40\xa0minutes" in page  # the shift's length on the attendance page


def test_the_next_evening_starts_the_next_night(make_user):
    nurse = make_user(rbac.NURSE)
    click(nurse, at(23, 18, 30))
    click(nurse, at(24, 7, 10))

    second = click(nurse, at(24, 18, 25))

    assert (second.date.isoformat(), second.time_out) == ("2026-11-24", None)
    assert Attendance.objects.filter(user=nurse).count() == 2


def test_the_longest_shift_is_a_setting_and_a_click_on_its_limit_still_closes(make_user, settings):
    settings.HMS_ATTENDANCE_MAX_SHIFT_HOURS = 14
    nurse = make_user(rbac.NURSE)
    click(nurse, at(23, 18, 30))

    closed = click(nurse, at(24, 8, 30))  # exactly 14 hours

    assert closed.time_out == at(24, 8, 30)


def test_beyond_the_longest_shift_the_old_arrival_is_flagged_and_a_new_one_starts(
    make_user, client_for
):
    nurse = make_user(rbac.NURSE)
    click(nurse, at(23, 7, 0))  # forgot to clock out that evening

    with time_machine.travel(at(24, 7, 5), tick=False):  # 24 h later: a new day's arrival
        page = client_for(nurse).post(reverse("attendance_mark"), follow=True).content.decode()

    forgotten, today = clicks(nurse).order_by("date")
    assert (forgotten.no_clock_out, forgotten.time_out) == (True, None)
    assert (today.date.isoformat(), today.time_in, today.time_out) == (
        "2026-11-24",
        at(24, 7, 5),
        None,
    )
    assert "in at 07:05" in page and "Mon 23 Nov at 07:00 was never clocked out" in page
    assert 'data-testid="no-clock-out"' in page
    assert list(
        AuditEntry.objects.filter(actor=nurse, action__startswith="attendance")
        .exclude(action__startswith="attendance.auto")
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["attendance.in", "attendance.no_clock_out", "attendance.in"]


def test_the_day_after_a_flagged_arrival_is_not_closed_by_it(make_user):
    nurse = make_user(rbac.NURSE)
    click(nurse, at(23, 7, 0))
    click(nurse, at(24, 7, 5))  # flags the 23rd, arrives on the 24th

    closed = click(nurse, at(24, 17, 0))

    assert (closed.date.isoformat(), closed.time_out) == ("2026-11-24", at(24, 17, 0))
    assert Attendance.objects.get(date="2026-11-23").no_clock_out


def test_a_same_day_click_after_the_longest_shift_changes_nothing_and_says_why(make_user):
    nurse = make_user(rbac.NURSE)
    click(nurse, at(23, 6, 0))

    with pytest.raises(services.AttendanceError, match="more than 16 hours ago"):
        click(nurse, at(23, 22, 30))

    record = Attendance.objects.get(user=nurse)
    assert (record.time_out, record.no_clock_out) == (None, False)


def test_a_second_tap_just_after_the_morning_clock_out_is_not_a_new_arrival(make_user):
    nurse = make_user(rbac.NURSE)
    click(nurse, at(23, 18, 30))
    click(nurse, at(24, 7, 10))

    with pytest.raises(services.AttendanceError, match="a moment ago"):
        click(nurse, at(24, 7, 11))

    assert Attendance.objects.filter(user=nurse).count() == 1


def test_the_database_keeps_one_open_attendance_per_person(make_user):
    from django.db import IntegrityError, transaction

    nurse = make_user(rbac.NURSE)
    click(nurse, at(23, 18, 30))

    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(user=nurse, date=at(24, 8).date(), time_in=at(24, 8))
