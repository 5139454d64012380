"""The downtime figures' cells and the overview's machine rows are written out in Python
(engineering/templatetags/downtime_cells.py): the same HTML the templates wrote, for figures of
every kind (none yet, below 95 %, old open requests) and names that need escaping; and the
overview's cards of the hospital's figures."""

import random

import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.utils import translation

from accounts.models import User
from engineering.downtime import Figures, MachineFigures
from engineering.templatetags.downtime_cells import _places

pytestmark = pytest.mark.django_db

# The templates the tags replaced, as they were.
CELLS = '{% if machines %}<td class="text-end">{{ f.machines }}</td>{% endif %}<td class="text-end fw-semibold{% if f.availability is not None and f.availability < 95 %} text-danger{% endif %}" data-testid="availability">{% if f.availability is None %}—{% else %}{{ f.availability|floatformat:1 }} %{% endif %}</td><td class="text-end">{{ f.hours_down|floatformat:1 }}</td><td class="text-end">{{ f.failures }}</td><td class="text-end">{% if f.mtbf_hours is None %}—{% else %}{{ f.mtbf_hours|floatformat:1 }}{% endif %}</td><td class="text-end">{% if f.mttr_hours is None %}—{% else %}{{ f.mttr_hours|floatformat:1 }}{% endif %}</td><td class="text-end">{% if f.pm_compliance is None %}—{% else %}{{ f.pm_compliance|floatformat:0 }} % <span class="small text-body-secondary">{{ f.pm_on_time }}/{{ f.pm_due }}</span>{% endif %}</td><td class="text-end">{{ f.open_requests }}{% if f.open_by_age.3 %} <span class="badge text-bg-danger" title="open over 30 days">{{ f.open_by_age.3 }} &gt; 30 d</span>{% endif %}</td>\n'
ROWS = '{% for row in rows %}\n    <tr data-testid="overview-machine" data-tag="{{ row.asset_tag }}"><td><a href="{% url \'machine_detail\' row.machine_id %}">{{ row.name }}</a> <code class="small">{{ row.asset_tag }}</code></td><td>{{ row.department|default:"—" }}</td>{% with f=row.figures machines=False %}{% if machines %}<td class="text-end">{{ f.machines }}</td>{% endif %}<td class="text-end fw-semibold{% if f.availability is not None and f.availability < 95 %} text-danger{% endif %}" data-testid="availability">{% if f.availability is None %}—{% else %}{{ f.availability|floatformat:1 }} %{% endif %}</td><td class="text-end">{{ f.hours_down|floatformat:1 }}</td><td class="text-end">{{ f.failures }}</td><td class="text-end">{% if f.mtbf_hours is None %}—{% else %}{{ f.mtbf_hours|floatformat:1 }}{% endif %}</td><td class="text-end">{% if f.mttr_hours is None %}—{% else %}{{ f.mttr_hours|floatformat:1 }}{% endif %}</td><td class="text-end">{% if f.pm_compliance is None %}—{% else %}{{ f.pm_compliance|floatformat:0 }} % <span class="small text-body-secondary">{{ f.pm_on_time }}/{{ f.pm_due }}</span>{% endif %}</td><td class="text-end">{{ f.open_requests }}{% if f.open_by_age.3 %} <span class="badge text-bg-danger" title="open over 30 days">{{ f.open_by_age.3 }} &gt; 30 d</span>{% endif %}</td>{% endwith %}</tr>\n  {% empty %}<tr><td colspan="9" class="text-body-secondary">No machine in the register.</td></tr>{% endfor %}'

FIGURES = [
    Figures(),  # a machine with no time observed: every ratio a dash
    Figures(
        machines=3,
        observed=360_000.0,
        down=36_000.0,
        failures=2,
        restorations=2,
        restoration_time=7_200.0,
        pm_due=3,
        pm_on_time=2,
        open_by_age=[1, 0, 2, 4],
    ),
    Figures(machines=1, observed=86_400.0, down=0.0, pm_due=1, pm_on_time=1),
    # Figures whose last place rounds: 96.3 %, 12.7 h down, MTBF 330.2 h, MTTR 1.1 h, 71 %
    Figures(
        machines=2,
        observed=1_234_567.0,
        down=45_678.9,
        failures=1,
        restorations=3,
        restoration_time=12_345.6,
        pm_due=7,
        pm_on_time=5,
    ),
]


def _render(source: str, **context) -> str:
    return Template("{% load downtime_cells %}" + source).render(Context(context))


@pytest.mark.parametrize("figures", FIGURES, ids=["empty", "busy", "perfect", "rounded"])
@pytest.mark.parametrize("machines", [True, False])
def test_the_cells_are_the_html_the_template_wrote(figures, machines):
    assert _render("{% figure_cells f machines %}", f=figures, machines=machines) == _render(
        CELLS, f=figures, machines=machines
    ).rstrip("\n")  # (the file's last line break)


def test_the_machine_rows_are_the_html_the_template_wrote():
    rows = [
        MachineFigures(
            machine_id=n,
            name=f"X-ray <{n}> & co",
            asset_tag=f"RAD-{n}",
            department=department,
            figures=figures,
        )
        for n, (department, figures) in enumerate(
            zip(["Radiology", "", "ICU", "Theatre"], FIGURES, strict=True), 1
        )
    ]

    ours = _render("{% overview_machine_rows rows %}", rows=rows)

    assert " ".join(ours.split()) == " ".join(_render(ROWS, rows=rows).split())
    assert _render("{% overview_machine_rows rows %}", rows=[]) == " ".join(
        _render(ROWS, rows=[]).split()
    )


# Numbers whose last place rounds half up, or would round the other way as a float (2.675 is
# 2.67499… in binary), whole numbers, zero from below, and large ones.
NUMBERS = [0, 0.0, -0.0, -0.04, 0.05, 0.15, 0.25, 0.45, 1.005, 2.675, 5, 12.5, 99.95, 99.94999]
NUMBERS += [100.0, 1234.55, 123_456.789, 10.0**11 + 0.05, 1e-7, 1 / 3, 2 / 3, float("inf")]


@pytest.mark.parametrize("places", [0, 1, 2])
def test_figures_are_written_as_floatformat_writes_them(places):
    draw = random.Random(14)
    numbers = NUMBERS + [draw.uniform(0, 10 ** (n % 7)) for n in range(2000)]

    assert [_places(n, places) for n in numbers] == [floatformat(n, places) for n in numbers]
    with translation.override("de"):  # a language with a decimal comma
        assert (
            _places(12.25, places) == floatformat(12.25, places) == ["12", "12,3", "12,25"][places]
        )


# The machine page's history rows, as the template wrote them.
HISTORY_ROWS = '{% for entry in history %}\n      <tr data-testid="history-row"><td>{{ entry.get_from_status_display|default:"—" }}</td><td>{{ entry.get_to_status_display }}</td>\n        <td>{{ entry.effective_at|date:"SHORT_DATETIME_FORMAT" }}{% if entry.correction %}<div class="small text-warning-emphasis" data-testid="correction">correction, recorded {{ entry.recorded_at|date:"SHORT_DATETIME_FORMAT" }}</div>{% endif %}</td>\n        <td>{{ entry.changed_by|default:"system" }}</td><td>{{ entry.reason }}</td></tr>\n      {% endfor %}'


def test_the_status_history_rows_are_the_html_the_template_wrote(staff):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from engineering import services
    from engineering.selectors import status_history
    from tests.engineering.conftest import register

    with time_machine.travel(timezone.now() - timedelta(hours=2), tick=False):
        machine = register(staff.engineer, tag="XR-9")
    services.machine_status_change(
        actor=staff.engineer,
        machine=machine,
        to_status="out_of_order",
        reason="Tube <blown> & more",
    )
    services.machine_status_change(
        actor=staff.engineer,
        machine=machine,
        to_status="maintenance",
        reason="It really stopped earlier",
        effective_at=timezone.now() - timedelta(minutes=5),
    )
    User.objects.filter(pk=staff.engineer.pk).update(first_name="Ama <b>", last_name="& Co")
    rows = list(status_history(machine))  # what the tag is given: the rows as values
    changes = list(machine.status_changes.select_related("changed_by"))  # what the loop was
    ours = Template("{% load machine_marks %}{% status_history_rows history %}").render(
        Context({"history": rows})
    )

    assert len(rows) == len(changes) == 3 and 'data-testid="correction"' in ours
    assert "Ama &lt;b&gt; &amp; Co" in ours and "system" not in ours
    assert " ".join(ours.split()) == " ".join(
        Template(HISTORY_ROWS).render(Context({"history": changes})).split()
    )


def test_a_change_by_nobody_or_by_someone_without_a_name_is_written_as_the_template_did(staff):
    from engineering.models import MachineStatusChange
    from engineering.selectors import status_history
    from tests.engineering.conftest import register

    machine = register(staff.engineer, tag="XR-10")
    User.objects.filter(pk=staff.engineer.pk).update(first_name="", last_name="")
    first = MachineStatusChange.objects.get(machine=machine)
    MachineStatusChange.objects.bulk_create(
        [
            MachineStatusChange(
                machine=machine,
                from_status="operational",
                to_status="out_of_order",
                effective_at=first.effective_at,
                recorded_at=first.recorded_at,
                changed_by=None,
                reason="Found broken <on the round>",
            )
        ]
    )
    rows = list(status_history(machine))
    changes = list(machine.status_changes.select_related("changed_by"))
    ours = Template("{% load machine_marks %}{% status_history_rows history %}").render(
        Context({"history": rows})
    )

    assert "system" in ours and staff.engineer.username in ours
    assert " ".join(ours.split()) == " ".join(
        Template(HISTORY_ROWS).render(Context({"history": changes})).split()
    )


# A machine page's figures side by side, as the template wrote them.
FIGURES_TABLE = '{% comment %}Downtime figures side by side: `columns` is a list of (heading, engineering.downtime.Figures).{% endcomment %}<div class="table-responsive">\n<table class="table table-sm mb-0 align-middle" data-testid="figures">\n  <thead><tr><th scope="col"><span class="visually-hidden">Figure</span></th>{% for heading, f in columns %}<th scope="col" class="text-end">{{ heading }}</th>{% endfor %}</tr></thead>\n  <tbody>\n    <tr><th scope="row" class="fw-normal">Availability</th>{% for heading, f in columns %}<td class="text-end fw-semibold" data-testid="availability">{% if f.availability is None %}—{% else %}{{ f.availability|floatformat:1 }} %{% endif %}</td>{% endfor %}</tr>\n    <tr><th scope="row" class="fw-normal">Hours not operational</th>{% for heading, f in columns %}<td class="text-end" data-testid="hours-down">{{ f.hours_down|floatformat:1 }}</td>{% endfor %}</tr>\n    <tr><th scope="row" class="fw-normal">Failures (out of order)</th>{% for heading, f in columns %}<td class="text-end" data-testid="failures">{{ f.failures }}</td>{% endfor %}</tr>\n    <tr><th scope="row" class="fw-normal"><abbr title="Mean operating time between failures: operational hours / failures">MTBF</abbr></th>{% for heading, f in columns %}<td class="text-end">{% if f.mtbf_hours is None %}—{% else %}{{ f.mtbf_hours|floatformat:1 }} h{% endif %}</td>{% endfor %}</tr>\n    <tr><th scope="row" class="fw-normal"><abbr title="Mean time to restoration: from out of order to operational again, over the restorations completed in the period">MTTR</abbr></th>{% for heading, f in columns %}<td class="text-end">{% if f.mttr_hours is None %}—{% else %}{{ f.mttr_hours|floatformat:1 }} h{% endif %}</td>{% endfor %}</tr>\n    <tr><th scope="row" class="fw-normal">Preventive maintenance on time</th>{% for heading, f in columns %}<td class="text-end">{% if f.pm_compliance is None %}—{% else %}{{ f.pm_compliance|floatformat:0 }} % <span class="small text-body-secondary">({{ f.pm_on_time }} of {{ f.pm_due }})</span>{% endif %}</td>{% endfor %}</tr>\n    <tr><th scope="row" class="fw-normal">Open requests at the end</th>{% for heading, f in columns %}<td class="text-end">{{ f.open_requests }}</td>{% endfor %}</tr>\n  </tbody>\n</table>\n</div>\n'


def test_the_figures_table_is_the_html_the_template_wrote():
    columns = [("Last 30 days", FIGURES[1]), ("Last 12 months", FIGURES[0]), ("Now", FIGURES[2])]

    ours = _render("{% figures_table columns %}", columns=columns)

    assert " ".join(ours.split()) == " ".join(_render(FIGURES_TABLE, columns=columns).split())
    assert ours.count("<tr>") == 8


# The overview's cards of the hospital's figures, as they were (templates/engineering/overview.html).
TOTALS = '\n<div class="row g-2 mb-3" data-testid="overview-total">\n  <div class="col-6 col-md-3 col-xl"><div class="card h-100"><div class="card-body p-2"><div class="small text-body-secondary">Availability</div><div class="fs-3 fw-semibold" data-testid="total-availability">{% if total.availability is None %}—{% else %}{{ total.availability|floatformat:1 }} %{% endif %}</div><div class="small">{{ total.machines|intcomma }} machine{{ total.machines|pluralize }}</div></div></div></div>\n  <div class="col-6 col-md-3 col-xl"><div class="card h-100"><div class="card-body p-2"><div class="small text-body-secondary">Hours not operational</div><div class="fs-3 fw-semibold">{{ total.hours_down|floatformat:1 }}</div><div class="small">{{ total.failures }} failure{{ total.failures|pluralize }}</div></div></div></div>\n  <div class="col-6 col-md-3 col-xl"><div class="card h-100"><div class="card-body p-2"><div class="small text-body-secondary"><abbr title="Mean operating time between failures">MTBF</abbr> · <abbr title="Mean time to restoration">MTTR</abbr></div><div class="fs-3 fw-semibold">{% if total.mtbf_hours is None %}—{% else %}{{ total.mtbf_hours|floatformat:0 }} h{% endif %} · {% if total.mttr_hours is None %}—{% else %}{{ total.mttr_hours|floatformat:1 }} h{% endif %}</div><div class="small">{{ total.restorations }} restored</div></div></div></div>\n  <div class="col-6 col-md-3 col-xl"><div class="card h-100"><div class="card-body p-2"><div class="small text-body-secondary">Preventive maintenance on time</div><div class="fs-3 fw-semibold">{% if total.pm_compliance is None %}—{% else %}{{ total.pm_compliance|floatformat:0 }} %{% endif %}</div><div class="small">{{ total.pm_on_time }} of {{ total.pm_due }} due</div></div></div></div>\n  <div class="col-12 col-md-12 col-xl"><div class="card h-100"><div class="card-body p-2"><div class="small text-body-secondary">Requests open at the end, by age</div><div class="fs-3 fw-semibold">{{ total.open_requests }}</div><div class="small" data-testid="total-ages">{% for label, n in total.open_ages %}{{ label }}: {{ n }}{% if not forloop.last %} · {% endif %}{% endfor %}</div></div></div></div>\n</div>\n'


@pytest.mark.parametrize("figures", FIGURES, ids=["empty", "busy", "perfect", "rounded"])
@pytest.mark.parametrize("language", ["en-gb", "fr"])
def test_the_overviews_cards_are_the_html_the_template_wrote(figures, language):
    with translation.override(language):
        ours = _render("{% overview_totals total %}", total=figures)
        assert ours == _render("{% load humanize %}" + TOTALS, total=figures)


def test_the_cards_count_thousands_of_machines_as_the_template_did():
    many = Figures(machines=1234, observed=1.0, failures=1, restorations=1, restoration_time=5.0)
    assert _render("{% overview_totals total %}", total=many) == _render(
        "{% load humanize %}" + TOTALS, total=many
    )


# The overview's department rows as its template wrote them.
DEPARTMENT_ROWS = '{% for name, f in departments %}\n    <tr data-testid="department-row"><td>{{ name }}</td>{% figure_cells f True %}</tr>\n  {% empty %}<tr><td colspan="9" class="text-body-secondary">No machine in the register.</td></tr>{% endfor %}'  # noqa: E501


def test_the_department_rows_are_the_html_the_template_wrote():
    names = ["Radiology", "<script>alert(1)</script> & co", "ICU", "No department"]
    departments = list(zip(names, FIGURES, strict=True))
    for rows in (departments, []):
        ours = _render("{% overview_department_rows departments %}", departments=rows)
        assert ours == _render(DEPARTMENT_ROWS, departments=rows)
    assert "&lt;script&gt;" in _render("{% overview_department_rows d %}", d=departments)
