"""My attendance: my shifts this week and next with each day's status (late, on leave, absent),
my intervals and the day's total; the button stays."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from hr import services
from hr.models import Attendance
from tests.hr.conftest import approved_leave
from tests.hr.staffing import large_staff, standard_shifts  # noqa: F401 (autouse)

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(date(2026, 11, day), time(hour, minute), tzinfo=NAIROBI)


def test_my_week_shows_each_days_shift_and_status(staff, client_for, standard_shifts):  # noqa: F811
    nurse = staff.nurse
    for day in (23, 24, 25, 30):
        services.roster_assign(
            actor=staff.admin, user=nurse, day=date(2026, 11, day), shift=standard_shifts["Morning"]
        )
    Attendance.objects.create(
        user=nurse, date=MONDAY, time_in=at(23, 7, 30), time_out=at(23, 15, 0), ended_by="click"
    )

    approved_leave(nurse, staff.admin, date(2026, 11, 25), date(2026, 11, 25), code="sick")
    with time_machine.travel(at(26, 10), tick=False):
        page = client_for(nurse).get(reverse("my_attendance")).content.decode()

    def day(n: int) -> str:
        return page.split(f'data-testid="my-day-2026-11-{n:02d}"')[1][:900]

    assert "Morning" in day(23) and "late 30 min" in day(23)
    assert "absent" in day(24)
    assert "on leave (Sick leave)" in day(25)
    assert "Day off" in day(26) and "Morning" in day(30)
    assert 'data-testid="mark-attendance"' in page
    assert "7 h 30 min" in page.split('data-testid="day-total-2026-11-23"')[1][:40]


@pytest.mark.parametrize("days", [20, 365])
def test_my_attendance_asks_a_constant_number_of_queries(
    client_for, django_assert_max_num_queries, days
):
    nurse = large_staff(people=2, days=days, end=date(2026, 11, 29))[1]
    client = client_for(nurse)

    with time_machine.travel(at(26, 10), tick=False), django_assert_max_num_queries(12):
        page = client.get(reverse("my_attendance")).content.decode()

    worked = Attendance.objects.filter(user=nurse).values("date").distinct().count()
    assert page.count('data-testid="day-total-') == min(worked, 31)
    assert page.count('data-testid="my-status"') >= 3


def test_my_days_are_read_as_the_intervals_of_each_page_of_my_dates(client_for):
    from hms import paging
    from hr import attendance_selectors
    from hr.attendance_rules import Interval, union_length

    nurse = large_staff(people=2, days=70, end=date(2026, 11, 29))[1]
    Attendance.objects.create(
        user=nurse,
        date=date(2026, 11, 30),
        time_in=at(30, 23, 40),
        started_by="sign_in",
        session_key="s1",
    )
    all_dates, first_dates = attendance_selectors.my_dates(nurse)
    now = at(30, 23, 50)

    for number in (1, 2, 3):
        page = paging.page_at(
            all_dates, attendance_selectors.MY_DAYS_PER_PAGE, number, first_rows=first_dates
        )
        days = attendance_selectors.my_days(nurse, list(page), now=now)

        expected = [
            list(Attendance.objects.filter(user=nurse, date=day).order_by("time_in"))
            for day in page
        ]
        assert [d["date"] for d in days] == list(page)
        assert [
            [
                (r.time_in, r.time_out, r.started_by, r.ended_by, r.no_clock_out)
                for r in d["intervals"]
            ]
            for d in days
        ] == [
            [(r.time_in, r.time_out, r.started_by, r.ended_by, r.no_clock_out) for r in rows]
            for rows in expected
        ]
        assert [d["worked"] for d in days] == [
            union_length(Interval(r.time_in, r.time_out, r.no_clock_out).span(now) for r in rows)
            for rows in expected
        ]
    assert (
        page.paginator.count
        == Attendance.objects.filter(user=nurse).values("date").distinct().count()
    )
