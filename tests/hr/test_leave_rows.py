"""The leave screens' rows are written out in Python (hr/templatetags/leave_rows.py): the balance
sheet, who is away, "My leave" (its rows, a live update's row, its balances) and the requests'
queue: the same HTML the templates wrote, for every kind of figure and state, whatever a name
holds."""

from datetime import UTC
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


# "My leave" and the requests' queue, as the templates wrote them (templates/hr/leave/
# my_leave.html's row and balances partials, queue.html's two loops, _state.html).
STATE = (
    "<span class=\"badge {% if leave_request.status == 'approved' %}text-bg-success{% elif"
    " leave_request.status == 'pending' %}text-bg-warning{% elif leave_request.status =="
    " 'rejected' %}text-bg-danger{% else %}text-bg-secondary{% endif %} fs-6 fw-normal\">"
    "{{ leave_request.get_status_display }}</span>\n"
)
MY_ROW = (
    '\n  <tr id="leave-{{ leave_request.pk }}"{% if oob %} hx-swap-oob="true"{% endif %}'
    ' data-testid="leave-row">\n'
    "    <td>{{ leave_request.leave_type.name }}</td>\n"
    '    <td>{{ leave_request.span }}{% if leave_request.cut_short_on %}<div class="small'
    ' text-body-secondary">cut short: back on {{ leave_request.cut_short_on|date:"D j M" }}'
    "</div>{% endif %}</td>\n"
    '    <td class="text-end text-nowrap">{{ leave_request.days|floatformat:"-1" }}'
    " day{{ leave_request.days|pluralize }}</td>\n"
    '    <td data-testid="leave-state">' + STATE + "{% if leave_request.decision_comment %}"
    '<div class="small">“{{ leave_request.decision_comment }}”</div>{% endif %}</td>\n'
    '    <td class="text-end">\n'
    "      {% if leave_request.withdrawable %}\n"
    '      <form method="post" action="{% url \'leave_withdraw\' leave_request.pk %}"'
    ' data-confirm="Withdraw this request for {{ leave_request.span }}?">{% csrf_token %}'
    '<button class="btn btn-outline-secondary" type="submit" data-testid="withdraw">Withdraw'
    "</button></form>\n"
    "      {% elif leave_request.cancellable %}\n"
    '        <form method="post" action="{% url \'leave_cancel\' leave_request.pk %}"'
    ' data-confirm="Cancel your leave {{ leave_request.span }}? The days not yet taken go back'
    ' to your balance.">{% csrf_token %}<button class="btn btn-outline-danger" type="submit"'
    ' data-testid="cancel-leave">Cancel this leave</button>{% if'
    ' leave_request.closes_clinic_hours %}<div class="small text-body-secondary">Your clinic'
    " hours open again for booking.</div>{% endif %}</form>\n"
    "      {% endif %}\n"
    "    </td>\n"
    "  </tr>\n  "
)
MY_ROWS = (
    "{% for leave_request in page %}" + MY_ROW + "{% empty %}\n"
    '  <tr><td colspan="5" class="text-body-secondary">No leave asked for yet.</td></tr>\n'
    "  {% endfor %}"
)
MY_BALANCES = (
    '\n<section id="leave-balances" class="mb-4"{% if oob %} hx-swap-oob="true"{% endif %}'
    ' data-testid="leave-balances">\n'
    '  <h2 class="h5">Days left in {{ year }}</h2>\n'
    '  <div class="row row-cols-2 row-cols-md-4 g-2">\n'
    "  {% for balance in balances %}{% if not balance.leave_type.unpaid %}\n"
    '    <div class="col"><div class="card h-100"><div class="card-body p-2">\n'
    '      <div class="small text-body-secondary">{{ balance.leave_type.name }}</div>\n'
    '      <div class="fs-4 fw-semibold" data-testid="balance-{{ balance.leave_type.code }}">'
    '{{ balance.left|floatformat:"-1" }} <span class="fs-6 fw-normal">of'
    ' {{ balance.total|floatformat:"-1" }}</span></div>\n'
    '      {% if balance.taken %}<div class="small text-body-secondary">'
    '{{ balance.taken|floatformat:"-1" }} taken or booked</div>{% endif %}\n'
    '      {% if balance.pending %}<div class="small text-body-secondary">'
    '{{ balance.pending|floatformat:"-1" }} waiting for a decision</div>{% endif %}\n'
    '      {% if balance.carried_over %}<div class="small text-body-secondary">'
    '{{ balance.carried_over|floatformat:"-1" }} carried from {{ year|add:"-1" }}</div>'
    "{% endif %}\n"
    "    </div></div></div>\n"
    "  {% endif %}{% endfor %}\n"
    "  </div>\n"
    "</section>\n"
)
WAITING = (
    "{% for leave_request in page %}\n"
    '  <tr data-testid="queue-row">\n'
    '    <td>{{ leave_request.user }}<div class="small text-body-secondary">'
    "{{ leave_request.user.role_label }}{% if leave_request.user.department %} ·"
    " {{ leave_request.user.department }}{% endif %}</div></td>\n"
    "    <td>{{ leave_request.leave_type.name }}{% if leave_request.attachment %} <i"
    ' class="bi bi-paperclip" title="Document attached" aria-label="Document attached"></i>'
    "{% endif %}</td>\n"
    "    <td>{{ leave_request.span }}</td>\n"
    '    <td class="text-end text-nowrap">{{ leave_request.days|floatformat:"-1" }}'
    " day{{ leave_request.days|pluralize }}</td>\n"
    '    <td class="text-nowrap">{{ leave_request.created_at|date:"D j M H:i" }}</td>\n'
    '    <td class="text-end"><a class="btn btn-primary" href="{% url \'leave_decide\''
    ' leave_request.pk %}" data-testid="decide">Decide</a></td>\n'
    "  </tr>\n"
    "  {% empty %}\n"
    '  <tr><td colspan="6" class="text-body-secondary">No request is waiting.</td></tr>\n'
    "  {% endfor %}"
)
DECIDED = (
    "{% for leave_request in decided %}\n"
    "  <tr><td><a href=\"{% url 'leave_decide' leave_request.pk %}\">{{ leave_request.user }}"
    "</a></td><td>{{ leave_request.leave_type.name }}</td><td>{{ leave_request.span }}</td>"
    "<td>" + STATE + '</td><td>{{ leave_request.decided_by|default:"—" }}</td></tr>\n'
    '  {% empty %}<tr><td colspan="5" class="text-body-secondary">Nothing decided yet.</td>'
    "</tr>\n"
    "  {% endfor %}"
)
HEADS = (
    '{% for leave_type in types %}{% if not leave_type.unpaid %}<th class="text-end">'
    "{{ leave_type.name }}</th>{% endif %}{% endfor %}"
)
HOSTILE = "<script>alert('x')</script> & \"Ward\""


def _requests(person, decider) -> list:
    """Requests of every state and shape: half days, cut short, commented, a document, one
    day, half a day, markup in the names and the comments."""
    from datetime import date, datetime, timedelta

    from django.utils import timezone

    from hr.models import LeaveRequest

    today = timezone.localdate()
    kinds = [
        LeaveType(pk=1, code="annual", name="Annual"),
        LeaveType(pk=2, code="x", name=HOSTILE),
    ]
    shapes = [
        ("pending", today + timedelta(days=3), today + timedelta(days=7), False, False, "4.0"),
        ("approved", today + timedelta(days=1), today + timedelta(days=1), True, False, "0.5"),
        ("approved", today - timedelta(days=9), today - timedelta(days=5), False, True, "2.5"),
        ("approved", today - timedelta(days=2), today + timedelta(days=2), False, False, "1.0"),
        ("rejected", date(2026, 12, 31), date(2027, 1, 4), True, True, "1"),
        ("withdrawn", date(2026, 3, 2), date(2026, 3, 2), False, True, "0.5"),
        ("cancelled", date(2026, 5, 4), date(2026, 5, 8), False, False, "5"),
    ]
    made = []
    for n, (status, start, end, afternoon, morning, days) in enumerate(shapes):
        leave_request = LeaveRequest(
            pk=100 + n,
            user=person,
            leave_type=kinds[n % 2],
            start_date=start,
            end_date=end,
            starts_afternoon=afternoon,
            ends_morning=morning,
            days=Decimal(days),
            status=status,
            decision_comment=HOSTILE if n % 3 == 1 else "",
            cut_short_on=today if n == 3 else None,
            attachment="leave/1/note.pdf" if n % 2 else "",
            created_at=datetime(2026, 11, 30, 22, 30, tzinfo=UTC) + timedelta(hours=n),
            decided_by=decider if status != "pending" and n % 2 else None,
        )
        made.append(leave_request)
    return made


@pytest.mark.parametrize("language", ["en-gb", "sw"])
@pytest.mark.parametrize("role", [rbac.NURSE, rbac.DOCTOR])
def test_my_leave_is_the_html_the_template_wrote(language, role):
    from django.utils import translation

    person = UserFactory(first_name="Zoé", last_name=HOSTILE, role=role)
    requests = _requests(person, None)

    with translation.override(language):
        for csrf_token, oob in (("masked<&>token", False), (None, True)):
            context = {"page": requests, "user": person, "csrf_token": csrf_token, "oob": oob}
            ours = _render("{% my_leave_rows page %}", context)
            one = _render(
                "{% my_leave_row leave_request %}", {**context, "leave_request": requests[3]}
            )

            assert ours == Template(MY_ROWS).render(Context(context))
            assert one == Template(MY_ROW).render(
                Context({**context, "leave_request": requests[3]})
            )
        assert _render("{% my_leave_rows page %}", {"page": []}) == Template(MY_ROWS).render(
            Context({"page": []})
        )
    assert ours.count('data-testid="withdraw"') == 1 and ours.count("cancel-leave") == 2
    assert ("open again" in ours) == (role == rbac.DOCTOR) and "<script>" not in ours


@pytest.mark.parametrize("language", ["en-gb", "sw"])
def test_my_balances_are_the_html_the_template_wrote(language):
    from django.utils import translation

    annual = LeaveType(code="annual", name="Annual", unpaid=False)
    unpaid = LeaveType(code="unpaid", name="Unpaid", unpaid=True)
    odd = LeaveType(code="odd<>", name=HOSTILE, unpaid=False)
    balances = [
        Balance(annual, 2026, Decimal("21"), Decimal("2.5"), Decimal("3.5"), Decimal("0.5")),
        Balance(unpaid, 2026),
        Balance(odd, 2026, Decimal("7.0"), Decimal("0"), Decimal("9"), Decimal("0")),
        Balance(annual, 2026, Decimal("1.5"), Decimal("1.5"), Decimal("0"), Decimal("1")),
    ]

    with translation.override(language):
        for shown, oob in ((balances, False), (balances, True), ([], False)):
            context = {"balances": shown, "year": 2026, "oob": oob}

            assert _render("{% my_leave_balances %}", context) == Template(MY_BALANCES).render(
                Context(context)
            )
    # Django's `add` filter, which the template used, added whole days: 21 + 2.5 carried showed
    # "of 23". The card shows every day the person has this year.
    assert "of 23.5<" in _render("{% my_leave_balances %}", {"balances": balances, "year": 2026})


@pytest.mark.parametrize("language", ["en-gb", "sw"])
def test_the_queue_is_the_html_the_template_wrote(language):
    from django.utils import translation

    from accounts.models import Department

    ward = Department.objects.create(name=HOSTILE, code="HX")
    person = UserFactory(first_name="Zoé", last_name="Ng'ang'a <b>", department=ward)
    plain = UserFactory(first_name="", last_name="", username="no.name", role=rbac.DOCTOR)
    decider = UserFactory(first_name="Ann", last_name="<i>Admin</i>", role=rbac.ADMIN)
    requests = _requests(person, decider) + _requests(plain, decider)

    with translation.override(language):
        for shown in (requests, []):
            context = {"page": shown, "decided": shown}

            assert _render("{% waiting_rows page %}", context) == Template(WAITING).render(
                Context(context)
            )
            assert _render("{% decided_rows decided %}", context) == Template(DECIDED).render(
                Context(context)
            )
    heads = [LeaveType(name=HOSTILE), LeaveType(name="Unpaid", unpaid=True), LeaveType(name="A")]
    assert _render("{% paid_type_heads types %}", {"types": heads}) == Template(HEADS).render(
        Context({"types": heads})
    )
