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


def _render(source: str, rows: list) -> str:
    return Template("{% load leave_rows %}" + source).render(Context({"rows": rows}))


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
