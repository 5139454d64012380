"""The roster: shifts, a cell set once however often it is sent, copy last week, a department on
a shift over a range of dates, leave shown on the grid, and the page's queries constant."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Department
from hms.models import AuditEntry
from hr import services
from hr.models import RosterEntry, Shift
from tests.hr.conftest import approved_leave
from tests.hr.staffing import large_staff, standard_shifts  # noqa: F401 (autouse)

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)


@pytest.fixture
def ward(db):
    return Department.objects.create(name="Medical ward", code="MED")


def shift(name: str) -> Shift:
    return Shift.objects.get(name=name)


def test_the_three_standard_shifts_are_there_and_night_crosses_midnight(db):
    night = shift("Night")

    assert [s.name for s in Shift.objects.all()] == ["Morning", "Evening", "Night"]
    assert night.crosses_midnight and night.hours == 12
    assert night.window(date(2027, 1, 31))[1] == datetime(2027, 2, 1, 7, tzinfo=NAIROBI)


def test_a_cell_sent_twice_is_set_once_and_a_change_replaces_it(staff, client_for):
    admin = client_for(staff.admin)
    cell = {"user": staff.nurse.pk, "day": "2026-11-23", "shift": shift("Morning").pk}

    first = admin.post(reverse("roster_cell"), cell, headers={"HX-Request": "true"})
    admin.post(reverse("roster_cell"), cell, headers={"HX-Request": "true"})
    admin.post(reverse("roster_cell"), {**cell, "shift": shift("Night").pk})

    assert first.status_code == 200 and "table-success" in first.content.decode()
    entry = RosterEntry.objects.get(user=staff.nurse)
    assert entry.shift.name == "Night"
    assert AuditEntry.objects.filter(action="roster.assign").count() == 2


def test_day_off_takes_the_person_off_the_roster(staff, client_for):
    services.roster_assign(actor=staff.admin, user=staff.nurse, day=MONDAY, shift=shift("Morning"))

    client_for(staff.admin).post(
        reverse("roster_cell"), {"user": staff.nurse.pk, "day": "2026-11-23", "shift": ""}
    )

    assert not RosterEntry.objects.exists()
    assert AuditEntry.objects.filter(action="roster.unassign").count() == 1


def test_the_database_keeps_one_shift_per_person_per_date(staff):
    RosterEntry.objects.create(user=staff.nurse, date=MONDAY, shift=shift("Morning"))

    with pytest.raises(IntegrityError), transaction.atomic():
        RosterEntry.objects.create(user=staff.nurse, date=MONDAY, shift=shift("Night"))


def test_a_nurse_may_not_set_the_roster(staff, client_for):
    response = client_for(staff.nurse).post(
        reverse("roster_cell"),
        {"user": staff.nurse.pk, "day": "2026-11-23", "shift": shift("Morning").pk},
    )

    assert response.status_code == 403 and not RosterEntry.objects.exists()


def test_the_administrator_account_and_patients_are_not_rostered(staff):
    with pytest.raises(services.RosterError, match="not rostered staff"):
        services.roster_assign(
            actor=staff.admin, user=staff.patient_user, day=MONDAY, shift=shift("Morning")
        )


def test_copying_last_week_twice_fills_it_once(staff, ward, client_for):
    staff.nurse.department = ward
    staff.nurse.save()
    for n in range(3):
        services.roster_assign(
            actor=staff.admin,
            user=staff.nurse,
            day=MONDAY - timedelta(days=7 - n),
            shift=shift("Night"),
        )
    admin = client_for(staff.admin)
    form = {"week": "2026-11-23", "department": ward.pk, "next": reverse("roster")}

    done = admin.post(reverse("roster_copy_week"), form, follow=True).content.decode()
    again = admin.post(reverse("roster_copy_week"), form, follow=True).content.decode()

    assert "3 shifts filled in" in done and "Nothing to copy" in again
    this_week = RosterEntry.objects.filter(date__gte=MONDAY)
    assert sorted(e.date.day for e in this_week) == [23, 24, 25]


def test_a_department_on_a_shift_for_a_range_never_doubles(staff, ward, client_for):
    for person in (staff.nurse, staff.doctor):
        person.department = ward
        person.save()
    form = {
        "department": ward.pk,
        "shift": shift("Evening").pk,
        "first": "2026-11-23",
        "last": "2026-11-29",
    }
    admin = client_for(staff.admin)

    admin.post(reverse("roster_department"), form)
    admin.post(reverse("roster_department"), form)

    assert RosterEntry.objects.count() == 14
    assert set(RosterEntry.objects.values_list("shift__name", flat=True)) == {"Evening"}


def test_a_range_ending_before_it_starts_says_so_beside_the_field(staff, ward, client_for):
    staff.nurse.department = ward
    staff.nurse.save()

    response = client_for(staff.admin).post(
        reverse("roster_department"),
        {
            "department": ward.pk,
            "shift": shift("Evening").pk,
            "first": "2026-11-29",
            "last": "2026-11-23",
        },
    )

    page = response.content.decode()
    assert response.status_code == 400 and "The last date is before the first." in page
    assert 'value="2026-11-29"' in page and not RosterEntry.objects.exists()


def test_a_shift_is_defined_and_one_with_no_length_is_refused(staff, client_for):
    admin = client_for(staff.admin)

    added = admin.post(
        reverse("shift_list"), {"name": "Long day", "starts_at": "08:00", "ends_at": "20:00"}
    )
    refused = admin.post(
        reverse("shift_list"), {"name": "Nothing", "starts_at": "08:00", "ends_at": "08:00"}
    )

    assert added.status_code == 302 and Shift.objects.filter(name="Long day").exists()
    assert refused.status_code == 400 and "must end at another time" in refused.content.decode()
    assert not Shift.objects.filter(name="Nothing").exists()


def test_the_grid_shows_leave_instead_of_absent(staff, client_for):
    services.roster_assign(actor=staff.admin, user=staff.nurse, day=MONDAY, shift=shift("Morning"))
    services.roster_assign(actor=staff.admin, user=staff.doctor, day=MONDAY, shift=shift("Morning"))

    approved_leave(staff.nurse, staff.admin, MONDAY, MONDAY)
    with time_machine.travel(datetime(2026, 11, 23, 12, tzinfo=NAIROBI), tick=False):
        page = client_for(staff.admin).get(reverse("roster"), {"week": "2026-11-23"})

    html = page.content.decode()
    nurse_cell = html.split(f'data-testid="cell-{staff.nurse.pk}-2026-11-23"')[1][:1500]
    doctor_cell = html.split(f'data-testid="cell-{staff.doctor.pk}-2026-11-23"')[1][:1500]
    assert "on leave (Annual leave)" in nurse_cell and "absent" not in nurse_cell
    assert "absent" in doctor_cell


@pytest.mark.parametrize("people", [30, 300])
def test_the_roster_page_asks_a_constant_number_of_queries(
    staff, client_for, django_assert_max_num_queries, people
):
    large_staff(people=people, days=365, end=MONDAY + timedelta(days=6))
    admin = client_for(staff.admin)

    with django_assert_max_num_queries(13):
        response = admin.get(reverse("roster"), {"week": "2026-11-23"})

    assert response.status_code == 200
    assert response.content.decode().count('data-testid="roster-row"') == 25


def test_a_department_range_form_arriving_twice_is_done_once(staff, ward, client_for):
    staff.nurse.department = ward
    staff.nurse.save()
    form = {
        "department": ward.pk,
        "shift": shift("Evening").pk,
        "first": "2026-11-23",
        "last": "2026-11-24",
        "submission": "6f1d3c2e-8a4b-4c5d-9e6f-7a8b9c0d1e2f",
    }
    admin = client_for(staff.admin)
    first = admin.post(reverse("roster_department"), form)
    services.roster_assign(actor=staff.admin, user=staff.nurse, day=MONDAY, shift=shift("Night"))

    again = admin.post(reverse("roster_department"), form, follow=True)

    assert "That form arrived twice; it was done once." in again.content.decode()
    assert again.redirect_chain[-1][0] == first["Location"]  # the week it was set on
    assert RosterEntry.objects.get(user=staff.nurse, date=MONDAY).shift.name == "Night"


def test_the_roster_pages_its_people_the_first_page_with_their_count(staff, ward, client_for):
    large_staff(people=30, days=1, end=MONDAY)
    for person in services.rosterable_staff()[:3]:
        person.department = ward
        person.save()
    everyone = services.rosterable_staff().count()
    admin = client_for(staff.admin)

    first = admin.get(reverse("roster"), {"week": "2026-11-23"}).content.decode()
    second = admin.get(reverse("roster"), {"week": "2026-11-23", "page": 2}).content.decode()
    past = admin.get(reverse("roster"), {"week": "2026-11-23", "page": 9}).content.decode()
    ward_only = admin.get(reverse("roster"), {"week": "2026-11-23", "department": ward.pk})

    assert first.count('data-testid="roster-row"') == 25
    assert f"1–25 of {everyone} people" in first
    assert second.count('data-testid="roster-row"') == everyone - 25
    assert f"26–{everyone} of {everyone} people" in second
    assert past.count('data-testid="roster-row"') == everyone - 25
    assert ward_only.content.decode().count('data-testid="roster-row"') == 3
    assert "3 people in all" in ward_only.content.decode()
