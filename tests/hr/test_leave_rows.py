"""The balance sheet's rows are written out in Python (hr/templatetags/leave_rows.py): the same
HTML the template wrote, for every kind of figure, whatever a name holds."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from hms import rbac
from hr.leave_selectors import Balance
from hr.models import LeaveType
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The template the tag replaced, as it was.
ROWS = (
    "{% for user, balances in rows %}\n"
    '  <tr data-testid="balance-row"><th class="fw-normal text-nowrap">{{ user }}<div'
    ' class="small text-body-secondary">{{ user.role_label }}</div></th>\n  {% for balance in'
    ' balances %}{% if not balance.leave_type.unpaid %}<td class="text-end text-nowrap"><span'
    ' class="fs-6 fw-semibold">{{ balance.left|floatformat:"-1" }}</span><div class="small'
    ' text-body-secondary">of {{ balance.entitlement|floatformat:"-1" }}{% if'
    ' balance.carried_over %} + {{ balance.carried_over|floatformat:"-1" }} carried{% endif'
    ' %}{% if balance.taken %}<br>{{ balance.taken|floatformat:"-1" }} taken{% endif %}{% if'
    ' balance.pending %}<br>{{ balance.pending|floatformat:"-1" }} waiting{% endif'
    " %}</div></td>{% endif %}{% endfor %}\n  </tr>\n  {% empty %}<tr><td"
    ' class="text-body-secondary">Nobody found.</td></tr>\n  {% endfor %}\n'
)


def _render(source: str, rows) -> str:
    context = rows if isinstance(rows, dict) else {"rows": rows}
    return Template("{% load leave_rows %}" + source).render(Context(context))


def test_the_rows_are_the_html_the_template_wrote():
    annual = LeaveType(code="annual", name="Annual", unpaid=False)
    unpaid = LeaveType(code="unpaid", name="Unpaid", unpaid=True)
    sick = LeaveType(code="sick", name="Sick", unpaid=False)
    figures = [
        (Decimal("21.0"), Decimal("0"), Decimal("0"), Decimal("0")),
        (Decimal("21"), Decimal("5.0"), Decimal("3.5"), Decimal("0.5")),
        (Decimal("14"), Decimal("0"), Decimal("16.5"), Decimal("0")),
        (Decimal("7.25"), Decimal("2.55"), Decimal("0.05"), Decimal("1.45")),
    ]
    people = [
        UserFactory(first_name="Zoé", last_name="Ng'ang'a <b>", role=rbac.NURSE),
        UserFactory(first_name="", last_name="", username="no.name", role=rbac.DOCTOR),
    ]
    rows = [
        (
            person,
            [
                Balance(annual, 2026, *figures[n]),
                Balance(unpaid, 2026),
                Balance(sick, 2026, *figures[(n + 1) % len(figures)]),
            ],
        )
        for n, person in enumerate(people + people)
    ]
    rows[-1][1][0].entitlement = Decimal("30")

    ours = _render("{% balance_rows rows %}", rows)

    assert " ".join(ours.split()) == " ".join(_render(ROWS, rows).split())
    assert ours.count('data-testid="balance-row"') == 4 and "carried" in ours
    assert "−" not in ours and "-2.5" in ours  # overdrawn: 14 − 16.5
    assert " ".join(_render("{% balance_rows rows %}", []).split()) == " ".join(
        _render(ROWS, []).split()
    )


# Who is away's heading and rows, as the template wrote them (between <tbody> and </tbody>).
AWAY_DAYS = (
    '{% for day in strip %}<th class="{% if day.weekday >= 5 %}table-secondary{% endif %}'
    ' small">{{ day|date:"D" }}<br>{{ day|date:"j M" }}</th>{% endfor %}'
)
AWAY_ROWS = (
    "{% for row in rows %}\n"
    '  <tr data-testid="away-row"><th class="text-start fw-normal text-nowrap">{{ row.user }}'
    '<div class="small text-body-secondary">{{ row.user.department|default:row.user.role_label'
    " }}</div></th>\n"
    '    {% for day, part, type in row.days %}<td class="{% if day.weekday >= 5 %}'
    'table-secondary{% endif %}" {% if part %}title="{{ type }}"{% endif %}>{% if part == "day"'
    ' %}<span class="badge text-bg-primary">Day</span>{% elif part == "morning" %}<span'
    ' class="badge text-bg-info">AM</span>{% elif part == "afternoon" %}<span class="badge'
    ' text-bg-info">PM</span>{% endif %}</td>{% endfor %}\n'
    "  </tr>\n"
    "  {% empty %}\n"
    '  <tr><td colspan="15" class="text-body-secondary text-start">Nobody has approved leave in'
    " these two weeks.</td></tr>\n"
    "  {% endfor %}"
)


@pytest.mark.parametrize("language", ["en-gb", "sw"])
def test_who_is_away_is_the_html_the_template_wrote(language):
    from datetime import date, timedelta

    from django.utils import translation

    from accounts.models import Department
    from hr.leave_selectors import AwayRow

    first = date(2026, 12, 24)
    strip = [first + timedelta(days=n) for n in range(14)]
    ward = Department.objects.create(name="Ward <3> & 'Theatre'", code="W3")
    people = [
        UserFactory(first_name="Zoé", last_name="Ng'ang'a <b>", department=ward),
        UserFactory(first_name="", last_name="", username="no.name", role=rbac.DOCTOR),
    ]
    parts = ["day", "", "morning", "afternoon", "", "day"]
    rows = [
        AwayRow(
            user=person,
            days=[
                (day, parts[(n + i) % len(parts)], "Annual <leave> & 'rest'" if n % 2 else "Sick")
                for n, day in enumerate(strip)
            ],
        )
        for i, person in enumerate(people)
    ]

    with translation.override(language):
        for shown in (rows, []):
            context = {"rows": shown, "strip": strip}
            ours = _render("{% away_days strip %}|{% away_rows rows %}", context)
            template = Template(AWAY_DAYS + "|" + AWAY_ROWS).render(Context(context))

            assert ours == template
    assert ours.count("table-secondary") == 4 and "Nobody has approved" in ours
