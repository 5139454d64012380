"""The roster's and the attendance screens' forms are written once per everything their HTML
depends on and kept (hms/templatetags/kept_forms.py), and their people are read as plain values
(hr.staff_pages.StaffMember): the same HTML `|as_crispy_field` and the rows wrote, whatever a
department's name holds, for a department renamed or added since, a form refused, a select
whose options were not listed, and in another language."""

from datetime import date, time

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.utils import translation

from accounts.models import Department
from hms.templatetags import kept_forms
from hr.roster_forms import (
    DepartmentRangeForm,
    ListedDepartment,
    ListedShift,
    MonthForm,
    RosterWeekForm,
    TeamDayForm,
    departments_listed,
    listed,
    range_form_sharing_options,
)
from hr.staff_pages import StaffMember, members
from tests.factories import UserFactory
from tests.hr.staffing import standard_shifts  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db

# What the pages wrote before, as they were (templates/hr/*.html).
FIELDS = (
    "{{ week.week|as_crispy_field }}{{ week.department|as_crispy_field }}"
    "{{ team.day|as_crispy_field }}{{ team.department|as_crispy_field }}"
    "{{ month.month|as_crispy_field }}{{ month.department|as_crispy_field }}"
    "{{ range.department|as_crispy_field }}{{ range.shift|as_crispy_field }}"
    "{{ range.first|as_crispy_field }}{{ range.last|as_crispy_field }}"
)
KEPT = "{% load kept_forms %}" + FIELDS.replace("|as_crispy_field }}", "|kept_field }}")


@pytest.fixture(autouse=True)
def _nothing_kept():
    kept_forms._kept.clear()
    yield
    kept_forms._kept.clear()


@pytest.fixture
def hostile():
    return Department.objects.create(name="<script>alert('x')</script> & \"Ward\"", code="HX")


def _forms(query: str = "", department=None) -> dict:
    """The forms as the roster, the team's day and the monthly report make them."""
    data = QueryDict(query)
    week = RosterWeekForm(data or {"week": "2026-11-23"})
    week.is_valid()
    _shifts, range_form = range_form_sharing_options(
        week, department=department, first=date(2026, 11, 23), last=date(2026, 11, 29)
    )
    team, month = (
        TeamDayForm(data or {"day": "2026-11-24"}),
        MonthForm(data or {"month": "2026-11"}),
    )
    for form in (team, month):
        form.is_valid()
        departments_listed(form)
    return {"week": week, "team": team, "month": month, "range": range_form}


def _render(source: str, forms: dict) -> str:
    return Template(source).render(Context(forms))


def test_the_kept_fields_are_the_html_crispy_wrote(hostile):
    before = _render(FIELDS, _forms(department=hostile))

    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Ward&quot;" in before
    assert _render(KEPT, _forms(department=hostile)) == before
    assert len(kept_forms._kept) == 10  # kept ...
    assert _render(KEPT, _forms(department=hostile)) == before  # ... and written from the store


@pytest.mark.parametrize(
    "query",
    ["week=2026-11-30&day=2026-11-30&month=2026-12", "week=&day=&month=", "department={pk}"],
)
def test_each_value_chosen_is_kept_apart(hostile, query):
    _render(KEPT, _forms())
    query = query.format(pk=hostile.pk)

    assert _render(KEPT, _forms(query, hostile)) == _render(FIELDS, _forms(query, hostile))


def test_a_department_renamed_or_added_is_never_shown_as_it_was(hostile):
    _render(KEPT, _forms())
    hostile.name = "Theatre & recovery"
    hostile.save()
    Department.objects.create(name="Dialysis", code="DY")

    kept = _render(KEPT, _forms())

    assert kept == _render(FIELDS, _forms())
    assert "Theatre &amp; recovery" in kept and "Dialysis" in kept and "Ward" not in kept


def test_a_refused_form_is_written_afresh_with_its_messages():
    _render(KEPT, _forms())
    refused = "week=garbage&day=31/02&month=bad&department=99999"

    kept = _render(KEPT, _forms(refused))

    assert kept == _render(FIELDS, _forms(refused))
    assert "Choose a month, for example 2026-11." in kept and "is-invalid" in kept


def test_a_select_whose_options_were_not_listed_is_not_kept():
    form = TeamDayForm({"day": "2026-11-24"})  # its departments read by the select itself

    kept = _render("{% load kept_forms %}{{ form.department|kept_field }}", {"form": form})

    assert kept == _render("{{ form.department|as_crispy_field }}", {"form": form})
    assert not kept_forms._kept


def test_another_language_is_kept_apart(hostile):
    with translation.override("en-gb"):
        _render(KEPT, _forms())
    with translation.override("sw"):
        assert _render(KEPT, _forms()) == _render(FIELDS, _forms())


def test_the_listed_options_are_a_shifts_and_a_departments_own_words(hostile):
    form = DepartmentRangeForm()
    shift = ListedShift(1, "Night", time(19), time(7))

    listed(form, "shift", [shift])
    listed(form, "department", [ListedDepartment(hostile.pk, hostile.name)])

    assert str(shift) == "Night 19:00–07:00"
    assert form.fields["department"].choices[0][1] == str(hostile)


# --- people as plain values --------------------------------------------------------------------

ROWS = "{% load roster_cells attendance_rows %}{% team_rows rows %}"


@pytest.mark.parametrize(
    ("first_name", "last_name", "username"),
    [
        ("Zoé", "Ng'ang'a <b>", "z.ng"),
        ("", "", "no.name"),
        ("  Ann ", "", "ann"),
        ("", "Odhiambo", "o"),
    ],
)
def test_a_staff_member_is_shown_as_the_user_it_was_read_from(
    hostile, first_name, last_name, username
):
    from hms import rbac
    from hr.attendance_rules import Day

    user = UserFactory(
        first_name=first_name,
        last_name=last_name,
        username=username,
        role=rbac.NURSE,
        department=hostile,
    )
    member = next(person for person in members(hostile) if person.pk == user.pk)
    day = Day(date=date(2026, 11, 24))

    assert isinstance(member, StaffMember)
    assert member.get_full_name() == user.get_full_name()
    assert str(member.department) == str(user.department)
    assert _render(ROWS, {"rows": [(member, day, "0 h 00 min", "0 h 00 min")]}) == _render(
        ROWS, {"rows": [(user, day, "0 h 00 min", "0 h 00 min")]}
    )
