"""The team's day and the monthly report have their rows written out in Python
(hr/templatetags/attendance_rows.py): the same HTML the templates wrote, for every kind of day
and figure, whatever a name holds."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template

from accounts.models import Department
from hms import rbac
from hr.attendance_rules import Day
from hr.attendance_selectors import MonthLine
from tests.factories import UserFactory
from tests.hr.test_attendance_marks import DAYS, MORNING, STATUS, _at

pytestmark = pytest.mark.django_db

# The templates the tags replaced, as they were; the status include is its own template
# (tests/hr/test_attendance_marks.py).
TEAM = (
    "{% load attendance_marks %}{% for person, d, worked, overtime in rows %}\n"
    '  <tr data-testid="team-row"><td>{{ person.get_full_name|default:person.username }} <span'
    ' class="small text-body-secondary">{{ person.get_role_display }}</span></td>\n    <td>{{'
    ' person.department|default:"—" }}</td>\n    <td class="text-nowrap">{% if d.shift %}{{'
    ' d.shift.name }} <span class="small text-body-secondary">{{ d.shift.start|time:"H:i" }}–{{'
    ' d.shift.end|time:"H:i" }}</span>{% else %}<span class="text-body-secondary">day'
    ' off</span>{% endif %}</td>\n    <td class="text-nowrap">{{ d.first_in|time:"H:i"|default:"—"'
    ' }}</td>\n    <td class="text-nowrap">{% if d.still_in %}—{% else %}{{'
    ' d.last_out|time:"H:i"|default:"—" }}{% endif %}</td>\n    <td>'
    + STATUS.removeprefix("{% load attendance_marks %}")
    + '</td>\n    <td class="text-end text-nowrap">{{ worked }}</td>\n    <td class="text-end'
    ' text-nowrap">{% if d.overtime %}{{ overtime }}{% else %}—{% endif %}</td></tr>\n  {% empty'
    ' %}<tr><td colspan="8" class="text-body-secondary">Nobody is rostered, on leave or signed in'
    " on this day.</td></tr>{% endfor %}\n"
)
MONTH = (
    "{% for line in lines %}\n"
    '  <tr data-testid="report-row"><td>{{ line.user.get_full_name|default:line.user.username'
    ' }} <span class="small text-body-secondary">{{ line.user.get_role_display }}{% if'
    " line.user.department %} · {{ line.user.department }}{% endif %}</span></td>\n    <td"
    ' class="text-end" data-testid="days-present">{{ line.days_present }}</td>\n    <td'
    ' class="text-end" data-testid="days-late">{{ line.days_late }}</td>\n    <td'
    ' class="text-end" data-testid="days-absent">{{ line.days_absent }}</td>\n    <td'
    ' class="text-end">{{ line.days_off_worked }}</td>\n    <td data-testid="leave-taken">{% for'
    ' name, days in line.leave_by_type.items %}<span class="text-nowrap">{{ name }}: {{'
    " days.normalize }}</span>{% if not forloop.last %}, {% endif %}{% empty %}—{% endfor"
    ' %}</td>\n    <td class="text-end" data-testid="hours-worked">{{ line.hours_worked'
    ' }}</td>\n    <td class="text-end" data-testid="overtime-hours">{{ line.overtime_hours'
    ' }}</td></tr>\n  {% empty %}<tr><td colspan="8" class="text-body-secondary">No staff'
    " in this department.</td></tr>{% endfor %}\n"
)


def _render(source: str, **values) -> str:
    return Template("{% load attendance_rows %}" + source).render(Context(values))


def _same(ours: str, template: str) -> bool:
    return " ".join(ours.split()) == " ".join(template.split())


@pytest.fixture
def people():
    ward = Department.objects.create(name="Ward <3> & 'Theatre'", code="W3")
    return [
        UserFactory(first_name="Zoé", last_name="Ng'ang'a <b>", department=ward),
        UserFactory(first_name="", last_name="", username="no.name", role=rbac.DOCTOR),
    ]


def test_the_teams_rows_are_the_html_the_template_wrote(people):
    days = [day for day in DAYS if day is not None] + [
        Day(date=date(2026, 11, 23), shift=MORNING, present=True, first_in=_at(23, 7, 20)),
        Day(
            date=date(2026, 11, 23),
            shift=MORNING,
            present=True,
            first_in=_at(23, 6, 50),
            last_out=_at(23, 16, 5),
            overtime=timedelta(minutes=45),
        ),
    ]
    rows = [
        (people[n % 2], day, f"{n} h 0{n % 10} min <&>", f"0 h {n:02d} min")
        for n, day in enumerate(days)
    ]

    ours = _render("{% team_rows rows %}", rows=rows)

    assert _same(ours, _render(TEAM, rows=rows))
    assert ours.count('data-testid="team-row"') == len(days) and "16:05" in ours
    assert _same(_render("{% team_rows rows %}", rows=[]), _render(TEAM, rows=[]))


def test_the_months_rows_are_the_html_the_template_wrote(people):
    lines = [
        MonthLine(user=people[0]),
        MonthLine(
            user=people[1],
            days_present=21,
            days_late=3,
            days_absent=1,
            days_off_worked=2,
            worked=timedelta(hours=170, minutes=25, seconds=31),
            overtime=timedelta(hours=12, minutes=20),
            leave_by_type={
                "Annual <leave>": Decimal("10.0"),
                "Sick": Decimal("0.5"),
                "Compassionate": Decimal("2.00"),
            },
        ),
        MonthLine(user=people[0], leave_by_type={"Annual": Decimal("1")}),
    ]

    ours = _render("{% month_rows lines %}", lines=lines)

    assert _same(ours, _render(MONTH, lines=lines))
    assert "170.43" in ours and "Annual &lt;leave&gt;: 10<" in ours
    assert _same(_render("{% month_rows lines %}", lines=[]), _render(MONTH, lines=[]))
