"""The monthly attendance report: each person's days present, late, absent, leave by type, hours
and overtime; a night shift on the month's last day counted to that month; the CSV says what the
screen says; the team's day; a constant number of queries with 300 staff and a year."""

import csv
import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from hms import rbac
from hr import services
from hr.models import Attendance, Shift
from tests.hr.conftest import approved_leave
from tests.hr.staffing import large_staff, standard_shifts  # noqa: F401 (autouse)

NAIROBI = ZoneInfo("Africa/Nairobi")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NAIROBI)


def worked(user, start: datetime, end: datetime) -> None:
    Attendance.objects.create(
        user=user,
        date=start.date(),
        time_in=start,
        time_out=end,
        started_by="sign_in",
        ended_by="sign_out",
        session_key=f"{user.pk}-{start:%Y%m%d%H%M}",
    )


@pytest.fixture
def january(staff):
    """Nurse Grace in January 2027: three mornings (one late, one with overtime), one absent
    morning, two days of approved leave (one a half day) and the night of 31 January, which
    ends on 1 February with an hour and a half of overtime."""
    morning, night = Shift.objects.get(name="Morning"), Shift.objects.get(name="Night")
    nurse = staff.nurse
    for day in (4, 5, 6, 7, 11, 12):
        services.roster_assign(actor=staff.admin, user=nurse, day=date(2027, 1, day), shift=morning)
    services.roster_assign(actor=staff.admin, user=nurse, day=date(2027, 1, 31), shift=night)
    worked(nurse, at(date(2027, 1, 4), 7), at(date(2027, 1, 4), 15))
    worked(nurse, at(date(2027, 1, 5), 7, 40), at(date(2027, 1, 5), 15))  # late
    worked(nurse, at(date(2027, 1, 6), 7), at(date(2027, 1, 6), 17))  # 2 h overtime
    # the 7th: rostered, nobody came: absent
    worked(nurse, at(date(2027, 1, 31), 19), at(date(2027, 2, 1), 8, 30))

    approved_leave(nurse, staff.admin, date(2027, 1, 11), date(2027, 1, 11))
    approved_leave(
        nurse, staff.admin, date(2027, 1, 12), date(2027, 1, 12), code="sick", ends_morning=True
    )
    return nurse


def report_line(html: str) -> dict[str, str]:
    cells = {}
    for name in ("days-present", "days-late", "days-absent", "hours-worked", "overtime-hours"):
        cells[name] = html.split(f'data-testid="{name}">')[1].split("<")[0]
    cells["leave"] = html.split('data-testid="leave-taken">')[1].split("</td>")[0]
    return cells


@time_machine.travel(datetime(2027, 2, 3, 9, tzinfo=NAIROBI), tick=False)
def test_the_month_of_a_nurse_with_a_night_across_the_months_end(staff, january, client_for):
    admin = client_for(staff.admin)

    page = admin.get(reverse("attendance_report"), {"month": "2027-01"}).content.decode()
    line = report_line(page.split(f">{january.get_full_name()} <")[1])

    assert line["days-present"] == "4" and line["days-late"] == "1" and line["days-absent"] == "1"
    # 8 + 7h20 + 10 + 13h30 = 38 h 50 min; overtime 2 h on the 6th, 1 h 30 after the night
    assert (line["hours-worked"], line["overtime-hours"]) == ("38.83", "3.50")
    assert "Annual leave: 1" in line["leave"] and "Sick leave: 0.5" in line["leave"]
    february = admin.get(reverse("attendance_report"), {"month": "2027-02"}).content.decode()
    assert report_line(february.split(f">{january.get_full_name()} <")[1])["hours-worked"] == "0.00"


@time_machine.travel(datetime(2027, 2, 3, 9, tzinfo=NAIROBI), tick=False)
def test_the_csv_says_what_the_screen_says(staff, january, client_for):
    admin = client_for(staff.admin)

    page = admin.get(reverse("attendance_report"), {"month": "2027-01"}).content.decode()
    response = admin.get(reverse("attendance_report_csv"), {"month": "2027-01"})

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    nurse = next(r for r in rows if r["Name"] == january.get_full_name())
    screen = report_line(page.split(f">{january.get_full_name()} <")[1])
    assert response["Content-Disposition"] == 'attachment; filename="attendance-2027-01.csv"'
    assert (
        nurse["Days present"],
        nurse["Days late"],
        nurse["Days absent"],
        nurse["Hours worked"],
        nurse["Overtime hours"],
    ) == (
        screen["days-present"],
        screen["days-late"],
        screen["days-absent"],
        screen["hours-worked"],
        screen["overtime-hours"],
    )
    assert (nurse["Leave: Annual leave (days)"], nurse["Leave: Sick leave (days)"]) == ("1", "0.5")
    assert len(rows) == 8  # every rostered staff member, the administrator and patients not


def test_a_month_that_is_no_month_is_a_message_not_an_error(staff, client_for):
    response = client_for(staff.admin).get(reverse("attendance_report"), {"month": "2026-13"})

    assert response.status_code == 200 and "Choose a month" in response.content.decode()


@time_machine.travel(datetime(2027, 1, 7, 12, tzinfo=NAIROBI), tick=False)
def test_the_teams_day_counts_who_is_in_late_absent_and_on_leave(staff, january, client_for):
    Attendance.objects.create(
        user=staff.doctor,
        date=date(2027, 1, 7),
        time_in=at(date(2027, 1, 7), 8),
        started_by="sign_in",
        session_key="doctor-tablet",
    )
    services.roster_assign(
        actor=staff.admin,
        user=staff.doctor,
        day=date(2027, 1, 7),
        shift=Shift.objects.get(name="Morning"),
    )

    page = client_for(staff.admin).get(reverse("team_attendance"), {"day": "2027-01-07"})

    html = page.content.decode()
    assert 'data-testid="count-in-now">1<' in html and 'data-testid="count-late">1<' in html
    assert 'data-testid="count-absent">1<' in html and html.count('data-testid="team-row"') == 2


def test_staff_may_not_see_the_report(staff, client_for):
    for role in (rbac.NURSE, rbac.DOCTOR):
        client = client_for(staff.of_role(role))
        assert client.get(reverse("attendance_report_csv")).status_code == 403


@pytest.mark.parametrize("people", [30, 300])
def test_the_report_and_the_teams_day_ask_a_constant_number_of_queries(
    staff, client_for, django_assert_max_num_queries, people
):
    large_staff(people=people, days=365, end=date(2026, 11, 29))
    admin = client_for(staff.admin)

    with django_assert_max_num_queries(12):
        report = admin.get(reverse("attendance_report"), {"month": "2026-10"})
    with django_assert_max_num_queries(9):
        team = admin.get(reverse("team_attendance"), {"day": "2026-10-14"})
    with django_assert_max_num_queries(7):
        exported = admin.get(reverse("attendance_report_csv"), {"month": "2026-10"})

    assert report.content.decode().count('data-testid="report-row"') == min(50, people + 8)
    assert team.status_code == 200
    assert exported.content.decode().count("\n") == 1 + people + 8  # heading, everyone


def test_the_report_pages_its_people_the_first_page_with_their_count(staff, client_for):
    large_staff(people=60, days=1, end=date(2026, 10, 1))
    everyone = services.rosterable_staff().count()
    admin = client_for(staff.admin)

    first = admin.get(reverse("attendance_report"), {"month": "2026-10"}).content.decode()
    second = admin.get(reverse("attendance_report"), {"month": "2026-10", "page": 2})

    assert first.count('data-testid="report-row"') == 50
    assert f"1–50 of {everyone} people" in first
    assert second.content.decode().count('data-testid="report-row"') == everyone - 50
