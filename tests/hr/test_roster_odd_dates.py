"""Dates at the ends of the calendar on the roster, the team's day and the monthly report: a year
9999 or 0001 (the day after 31/12/9999 does not exist), a shift in 1900. Refused beside the
field with nothing saved, or, in a query, said beside the box while the page shows its default."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hr import attendance_selectors, services
from hr.models import RosterEntry, Shift
from tests.hr.conftest import SUITE_DAY
from tests.hr.staffing import standard_shifts  # noqa: F401 (autouse)

ODD_DAYS = ["9999-12-31", "31/12/9999", "0001-01-01", "01/01/0001"]
OUT_OF_CALENDAR = "Enter a date from 1800 to 2100."
# The roster takes a year either side of the day the suite is seen from (tests/hr/conftest.py).
OUT_OF_WINDOW = "Enter a date from 29 Nov 2025 to 1 Dec 2027"


def morning() -> int:
    return Shift.objects.get(name="Morning").pk


@pytest.mark.parametrize("day", [*ODD_DAYS, "1900-01-01", "2099-12-31", "28/11/2025"])
def test_a_roster_cell_out_of_range_saves_nothing(staff, client_for, day):
    admin = client_for(staff.admin)
    cell = {"user": staff.nurse.pk, "day": day, "shift": morning(), "next": "/hr/roster/"}

    plain = admin.post(reverse("roster_cell"), cell, follow=True)
    swapped = admin.post(reverse("roster_cell"), cell, headers={"HX-Request": "true"})

    assert plain.status_code == 200 and swapped.status_code == 200
    said = plain.content.decode()
    assert "nothing was changed" in said or OUT_OF_WINDOW in said
    assert not RosterEntry.objects.exists()


def test_a_cell_out_of_the_window_says_why_in_the_cell_under_htmx(staff, client_for):
    response = client_for(staff.admin).post(
        reverse("roster_cell"),
        {"user": staff.nurse.pk, "day": "1900-01-01", "shift": morning()},
        headers={"HX-Request": "true"},
    )

    cell = response.content.decode()
    assert cell.startswith("<td") and "is-invalid" in cell and OUT_OF_WINDOW in cell
    assert "table-success" not in cell and not RosterEntry.objects.exists()


def test_a_cell_at_the_windows_ends_is_saved(staff):
    first, last = services.roster_window()

    for day in (first, last):
        services.roster_assign(
            actor=staff.admin, user=staff.nurse, day=day, shift=Shift.objects.get(pk=morning())
        )

    assert (first, last) == (date(2025, 11, 29), date(2027, 12, 1))
    assert RosterEntry.objects.count() == 2


@pytest.mark.parametrize("week", ["9999-12-27", "0001-01-01", "1900-01-01"])
def test_copying_into_a_week_out_of_range_saves_nothing(staff, client_for, week):
    services.roster_assign(
        actor=staff.admin,
        user=staff.nurse,
        day=date(2026, 11, 23),
        shift=Shift.objects.get(pk=morning()),
    )

    response = client_for(staff.admin).post(
        reverse("roster_copy_week"), {"week": week, "next": "/hr/roster/"}, follow=True
    )

    assert response.status_code == 200 and RosterEntry.objects.count() == 1
    page = response.content.decode()
    assert "Choose the week to copy into" in page or OUT_OF_WINDOW in page


@pytest.mark.parametrize(
    ("first", "last", "said"),
    [
        ("25/12/9999", "31/12/9999", OUT_OF_CALENDAR),
        ("01/01/1900", "03/01/1900", OUT_OF_WINDOW),
        ("30/11/2027", "02/12/2027", OUT_OF_WINDOW),
    ],
)
def test_a_department_range_out_of_range_is_said_beside_the_field(
    staff, client_for, first, last, said
):
    staff.nurse.department = staff.doctor.department = None
    form = {"shift": morning(), "first": first, "last": last}
    from accounts.models import Department

    ward = Department.objects.create(name="Medical ward", code="MED")
    staff.nurse.department = ward
    staff.nurse.save()

    response = client_for(staff.admin).post(
        reverse("roster_department"), form | {"department": ward.pk}
    )

    page = response.content.decode()
    assert response.status_code == 400 and said in page
    assert f'value="{last}"' in page and not RosterEntry.objects.exists()


def test_the_department_range_takes_typed_days_not_the_browsers_picker(staff, client_for):
    page = client_for(staff.admin).get(reverse("roster"), {"week": "2026-11-23"}).content.decode()

    assert 'type="date"' not in page
    assert 'name="first" value="23/11/2026"' in page and 'placeholder="dd/mm/yyyy"' in page


@pytest.mark.parametrize("value", ODD_DAYS)
@pytest.mark.parametrize(
    ("page", "name", "heading"),
    [
        ("roster", "week", "Roster · week of {:%a %d %b %Y}"),
        ("team_attendance", "day", "{:%a %d %b %Y}"),
    ],
)
def test_a_day_out_of_range_in_a_query_falls_back_and_says_so(
    staff, client_for, page, name, value, heading
):
    today = timezone.localdate()
    shown = today - timedelta(days=today.weekday()) if name == "week" else today

    response = client_for(staff.admin).get(reverse(page), {name: value})

    said = response.content.decode()
    assert response.status_code == 200 and heading.format(shown) in said
    assert OUT_OF_CALENDAR in said or "Enter the day as day/month/year" in said
    assert f'value="{value}"' in said  # what was typed, kept to be corrected


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "12/9999"])
def test_a_month_out_of_range_falls_back_to_this_month(staff, client_for, month):
    admin = client_for(staff.admin)

    page = admin.get(reverse("attendance_report"), {"month": month})
    csv = admin.get(reverse("attendance_report_csv"), {"month": month})

    assert page.status_code == 200 and OUT_OF_CALENDAR in page.content.decode()
    assert csv.status_code == 200 and "9999" not in csv["Content-Disposition"]


def test_a_month_may_be_typed_as_people_write_it(staff, client_for):
    page = client_for(staff.admin).get(reverse("attendance_report"), {"month": "11/2026"})

    assert page.status_code == 200 and "Attendance · November 2026" in page.content.decode()


def test_the_last_month_of_the_calendar_has_bounds():
    assert attendance_selectors.month_bounds(date(9999, 12, 5)) == (
        date(9999, 12, 1),
        date(9999, 12, 31),
    )
    assert attendance_selectors.month_bounds(date(2028, 2, 10))[1] == date(2028, 2, 29)


def test_the_suite_sees_the_roster_from_its_own_day():
    assert services.roster_window(SUITE_DAY) == services.roster_window()
