"""The roster's rows and cells are written out in Python (hr/templatetags/roster_cells.py): the
same HTML the template wrote, for every kind of cell, whatever a name or the page's address
holds."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from accounts.models import Department
from hr.attendance_rules import Day
from hr.models import Shift
from tests.factories import UserFactory
from tests.hr.staffing import standard_shifts  # noqa: F401 (autouse)
from tests.hr.test_attendance_marks import DAYS, STATUS

MONDAY = date(2026, 11, 23)

# The template the tags replaced, as it was; its status include is the include's own template
# (tests/hr/test_attendance_marks.py).
CELL = (
    '<td id="cell-{{ cell.person.pk }}-{{ cell.day|date:\'Ymd\' }}" data-testid="cell-{{'
    ' cell.person.pk }}-{{ cell.day|date:\'Y-m-d\' }}"{% if saved %} class="table-success"{%'
    ' endif %}>\n      <form method="post" action="{% url \'roster_cell\' %}" hx-post="{% url'
    ' \'roster_cell\' %}" hx-trigger="change" hx-target="closest td" hx-swap="outerHTML">{%'
    ' csrf_token %}\n        <input type="hidden" name="user" value="{{ cell.person.pk }}"><input'
    ' type="hidden" name="day" value="{{ cell.day|date:\'Y-m-d\' }}"><input type="hidden"'
    ' name="next" value="{{ request.get_full_path }}">\n        <label class="visually-hidden"'
    " for=\"shift-{{ cell.person.pk }}-{{ cell.day|date:'Ymd' }}\">Shift of {{"
    ' cell.person.get_full_name }} on {{ cell.day|date:"D d M" }}</label>\n        <select'
    ' class="form-select form-select-sm" name="shift" id="shift-{{ cell.person.pk }}-{{'
    ' cell.day|date:\'Ymd\' }}">\n          <option value="">Day off</option>\n          {% for'
    ' shift in cell.shifts %}<option value="{{ shift.pk }}"{% if cell.entry.shift_id =='
    " shift.pk %} selected{% endif %}>{{ shift.name }}</option>{% endfor %}\n        </select>\n"
    '        <noscript><button class="btn btn-sm btn-outline-primary mt-1"'
    ' type="submit">Save</button></noscript>\n      </form>\n      {% if cell.matched %}<div'
    ' class="small mt-1">{% with d=cell.matched %}'
    + STATUS.removeprefix("{% load attendance_marks %}")
    + "{% endwith %}</div>{% endif %}\n    </td>"
)
ROWS = (
    "{% load attendance_marks %}{% for person, cells in grid %}\n"
    '  <tr data-testid="roster-row"><th scope="row" class="fw-normal"><span'
    ' class="fw-semibold">{{ person.get_full_name|default:person.username }}</span><br><span'
    ' class="small text-body-secondary">{{ person.get_role_display }}{% if person.department'
    " %} · {{ person.department }}{% endif %}</span></th>\n    {% for cell in cells %}"
    + CELL
    + '{% endfor %}\n  </tr>\n  {% empty %}<tr><td colspan="8" class="text-body-secondary">No'
    " staff in this department.</td></tr>{% endfor %}\n"
)


def _context(**values) -> Context:
    request = RequestFactory().get("/hr/roster/", {"week": "2026-11-23", "q": "<b>&'\""})
    return Context({"request": request, "csrf_token": "t0k3n", **values})


def _same(ours: str, template: str) -> bool:
    return " ".join(ours.split()) == " ".join(template.split())


@pytest.fixture
def grid(db):
    shifts = list(Shift.objects.all())
    ward = Department.objects.create(name="Ward <3> & 'Theatre'", code="W3")
    people = [
        UserFactory(first_name="Zoé", last_name="Ng'ang'a <b>", department=ward),
        UserFactory(first_name="", last_name="", username="no.name"),
    ]
    kinds = [*DAYS[1:], None]
    grid = []
    for row, person in enumerate(people):
        cells = []
        for n in range(7):
            day = MONDAY + timedelta(days=n)
            shift = shifts[(row + n) % len(shifts)] if (row + n) % 4 else None
            matched = kinds[(row * 7 + n) % len(kinds)]
            cells.append(
                {
                    "person": person,
                    "day": day,
                    "entry": SimpleNamespace(shift_id=shift.pk) if shift else None,
                    "matched": Day(**{**matched.__dict__, "date": day}) if matched else None,
                    "shifts": shifts,
                }
            )
        grid.append((person, cells))
    return grid


def test_the_rows_are_the_html_the_template_wrote(grid):
    ours = Template("{% load roster_cells %}{% roster_rows grid %}").render(_context(grid=grid))

    assert _same(ours, Template(ROWS).render(_context(grid=grid)))
    assert ours.count('data-testid="roster-row"') == 2
    assert ours.count(" selected>") == sum(1 for _, cells in grid for c in cells if c["entry"])


def test_an_empty_grid_says_so_as_the_template_did(db):
    ours = Template("{% load roster_cells %}{% roster_rows grid %}").render(_context(grid=[]))

    assert _same(ours, Template(ROWS).render(_context(grid=[])))


@pytest.mark.parametrize("saved", [True, False])
def test_a_cell_alone_is_the_html_the_partial_wrote(grid, saved):
    cell = grid[0][1][3]

    ours = Template("{% load roster_cells %}{% roster_cell cell saved %}").render(
        _context(cell=cell, saved=saved)
    )

    template = "{% load attendance_marks %}" + CELL
    assert _same(ours, Template(template).render(_context(cell=cell, saved=saved)))


def test_every_kind_of_status_reaches_the_grid(grid):
    ours = Template("{% load roster_cells %}{% roster_rows grid %}").render(_context(grid=grid))

    for badge in ["leave", "absent", "day-off-worked", "in", "present", "late", "early"]:
        assert f'data-testid="status-{badge}"' in ours
    assert "Ward &lt;3&gt; &amp; &#x27;Theatre&#x27;" in ours and "not yet" in ours


# The grid's heading, as the template wrote it.
HEADING = (
    '{% for day in days %}<th class="text-nowrap{% if day == today %} table-primary{% endif %}">'
    '{{ day|date:"D d" }}</th>{% endfor %}'
)


@pytest.mark.parametrize("language", ["en-gb", "sw"])
@pytest.mark.parametrize("today", [MONDAY - timedelta(days=1), MONDAY, MONDAY + timedelta(days=6)])
def test_the_heading_is_the_html_the_template_wrote(today, language):
    from django.utils import translation

    days = [MONDAY + timedelta(days=n) for n in range(7)]
    context = {"days": days, "today": today}

    with translation.override(language):
        ours = Template("{% load roster_cells %}{% roster_days days today %}").render(
            Context(context)
        )
        template = Template(HEADING).render(Context(context))

    assert ours == template
    assert ours.count("table-primary") == (1 if today in days else 0)
