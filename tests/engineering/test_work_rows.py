"""The queue's request rows and the preventive-maintenance panel's rows are written out in Python
(engineering/templatetags/work_rows.py): the same HTML the templates wrote (each kept frozen here,
its includes inlined as they were), for every priority and state, an empty list, and names and
words that need escaping; and the badges that were includes (a work order's page)."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from engineering.models import Priority
from hms import submissions

# templates/engineering/work_queue.html's loop, with engineering/_priority.html, as they were.
QUEUE = '{% for fault in requests %}\n      <div class="list-group-item py-3" data-testid="queue-row" data-number="{{ fault.number }}">\n        <div class="d-flex flex-wrap justify-content-between align-items-center gap-2">\n          <div>\n            <div class="fs-5"><span class="badge {% if fault.priority == \'urgent\' %}text-bg-danger{% elif fault.priority == \'high\' %}text-bg-warning{% elif fault.priority == \'low\' %}text-bg-light border{% else %}text-bg-secondary{% endif %}" data-testid="priority">{{ fault.get_priority_display }}</span>{% if fault.unusable %} <span class="badge text-bg-danger" data-testid="unusable">Unusable</span>{% endif %}\n <a class="fw-semibold" href="{% url \'machine_detail\' fault.machine.pk %}">{{ fault.machine.name }}</a> <code>{{ fault.machine.asset_tag }}</code></div>\n            <div>{{ fault.description }}</div>\n            <div class="small text-body-secondary">{{ fault.number }} · {{ fault.raised_by }}{% if fault.machine.department %} · {{ fault.machine.department }}{% endif %} · {{ fault.raised_at|elapsed:now }} ago</div>\n          </div>\n          <form method="post" action="{% url \'request_take\' fault.pk %}">{% csrf_token %}{% submission_field %}<button class="btn btn-primary btn-lg" type="submit" data-testid="take">Take it</button></form>\n        </div>\n      </div>\n      {% empty %}<div class="list-group-item text-body-secondary py-3">Nothing waiting. New reports appear here as staff send them.</div>{% endfor %}'
# templates/engineering/_pm_list.html's loop, with engineering/_pm_due.html, as they were.
PM = '{% for work_order in pm %}<a class="list-group-item list-group-item-action px-1 py-2{% if work_order.days_late > 0 %} list-group-item-danger{% endif %}" href="{% url \'work_order_detail\' work_order.pk %}" data-testid="pm-row" data-number="{{ work_order.number }}">{% if work_order.days_late > 0 %}<span class="badge text-bg-danger" data-testid="pm-overdue">Overdue {{ work_order.days_late }} day{{ work_order.days_late|pluralize }}</span>{% elif work_order.days_late == 0 %}<span class="badge text-bg-warning" data-testid="pm-due">Due today</span>{% else %}<span class="badge text-bg-info" data-testid="pm-due">Due {{ work_order.pm_due_date|date:"j M" }}</span>{% endif %}\n <strong>{{ work_order.machine.name }}</strong> <code>{{ work_order.machine.asset_tag }}</code><div class="small text-body-secondary text-truncate">{{ work_order.number }} · due {{ work_order.pm_due_date|date }} · {% if work_order.engineer %}{{ work_order.engineer }}{% else %}nobody on it yet{% endif %}{% if work_order.machine.department %} · {{ work_order.machine.department }}{% endif %}</div></a>\n  {% empty %}<div class="list-group-item px-1 text-body-secondary">None due.</div>{% endfor %}'

NOW = datetime(2026, 12, 4, 10, 30, tzinfo=timezone.get_fixed_timezone(180))
TRICKY = 'Dr <b>Otieno</b> & "sons"'


def _machine(pk: int, name: str, department: str | None) -> SimpleNamespace:
    return SimpleNamespace(
        pk=pk,
        name=name,
        asset_tag=f"ENG-<{pk:04d}>",
        department=_Named(department) if department else None,
    )


class _Named:
    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name


def _fault(pk: int, priority: str, *, unusable=False, department="Radiology", ago=5) -> object:
    return SimpleNamespace(
        pk=pk,
        number=f"FR-{pk:05d}",
        priority=priority,
        get_priority_display=lambda: dict(Priority.choices).get(priority, priority),
        unusable=unusable,
        machine=_machine(pk + 100, TRICKY if pk % 2 else "X-ray unit", department),
        description=f"Won't start: <script>alert({pk})</script> & smoke",
        raised_by=_Named(TRICKY if pk % 2 else "Mary Wanjiru"),
        raised_at=NOW - timedelta(minutes=ago),
    )


def _work_order(pk: int, days_late: int, *, engineer=None, department="ICU") -> object:
    return SimpleNamespace(
        pk=pk,
        number=f"WO-<{pk:05d}>",
        days_late=days_late,
        pm_due_date=date(2026, 12, 4) - timedelta(days=days_late),
        engineer=_Named(engineer) if engineer else None,
        machine=_machine(pk + 200, TRICKY if pk % 2 else "Ventilator", department),
    )


FAULTS = [
    _fault(1, Priority.URGENT, unusable=True),
    _fault(2, Priority.HIGH, department=None, ago=0),
    _fault(3, Priority.NORMAL, ago=60 * 27 + 5),
    _fault(4, Priority.LOW, ago=60 * 24 * 40),
    _fault(5, "odd", department='Ward "A" & <B>'),
]
PM_ROWS = [
    _work_order(1, 3, engineer=TRICKY),
    _work_order(2, 1),
    _work_order(3, 0, engineer="Joseph Kamau", department=None),
    _work_order(4, -12),
    _work_order(5, -400, department='Ward "A" & <B>'),
]


def _render(source: str, **context) -> str:
    return Template("{% load work_rows %}" + source).render(Context(context))


@pytest.fixture(autouse=True)
def _fixed_submission_token(monkeypatch):
    monkeypatch.setattr(submissions, "new_token", lambda: "0f0e0d0c-token")


@pytest.mark.parametrize(
    "rows", [FAULTS, FAULTS[:1], FAULTS[3:], []], ids=["all", "one", "two", "none"]
)
@pytest.mark.parametrize("csrf_token", ["abc<&>def", "NOTPROVIDED", None])
def test_the_queue_rows_are_the_html_the_template_wrote(rows, csrf_token):
    context = {"requests": rows, "now": NOW, "csrf_token": csrf_token}
    ours = _render("{% queue_rows requests now %}", **context)
    assert ours == _render(QUEUE, **context)
    if rows:
        assert "&lt;script&gt;" in ours and "0f0e0d0c-token" in ours


@pytest.mark.parametrize("rows", [PM_ROWS, PM_ROWS[2:3], []], ids=["all", "one", "none"])
@pytest.mark.parametrize("language", ["en-gb", "fr"])
def test_the_preventive_rows_are_the_html_the_template_wrote(rows, language):
    with translation.override(language):
        ours = _render("{% pm_rows pm %}", pm=rows)
        assert ours == _render(PM, pm=rows)
    if rows:
        assert 'data-number="WO-&lt;' in ours


# templates/engineering/work_queue.html's "My open work orders" loop, with
# engineering/_work_status.html, and its counts by priority, as they were.
MINE = '{% for work_order in mine %}{% with fault=work_order.fault_request %}\n      <a class="list-group-item list-group-item-action py-3" href="{% url \'work_order_detail\' work_order.pk %}" data-testid="my-work-row">\n        <div><span class="badge {% if work_order.status == \'resolved\' %}text-bg-success{% elif work_order.status == \'waiting_vendor\' %}text-bg-warning{% elif work_order.status == \'due\' %}text-bg-secondary{% else %}text-bg-primary{% endif %}" data-testid="work-status">{{ work_order.get_status_display }}</span>\n <strong>{{ work_order.machine.name }}</strong> <code>{{ work_order.machine.asset_tag }}</code></div>\n        <div class="small text-body-secondary">{{ work_order.number }}{% if fault %} · {{ fault.description|truncatechars:80 }}{% endif %} · since {{ work_order.opened_at|elapsed:now }}</div>\n      </a>\n      {% endwith %}{% empty %}<div class="list-group-item text-body-secondary">None open.</div>{% endfor %}'
COUNTS = "{% for value, label, n in counts %}<span class=\"badge fs-6 {% if value == 'urgent' and n %}text-bg-danger{% elif value == 'high' and n %}text-bg-warning{% else %}text-bg-light border{% endif %}\">{{ label }}: {{ n }}</span>{% endfor %}"


def _open(pk: int, status: str, description: str | None, *, hours: int = 3) -> object:
    return SimpleNamespace(
        pk=pk,
        number=f"WO-<{pk:05d}>",
        status=status,
        get_status_display=lambda: f"{status} <&>",
        machine=_machine(pk + 300, TRICKY if pk % 2 else "Monitor", None),
        fault_request=SimpleNamespace(description=description) if description is not None else None,
        opened_at=NOW - timedelta(hours=hours, minutes=pk),
    )


MINE_ROWS = [
    _open(1, "in_progress", "Short & <odd>"),
    _open(2, "waiting_vendor", "A long story " * 12 + "<b>end</b>"),
    _open(3, "due", None, hours=0),
    _open(4, "resolved", "x" * 80),
    _open(5, "other", "y" * 81, hours=50),
]


@pytest.mark.parametrize("rows", [MINE_ROWS, MINE_ROWS[2:3], []], ids=["all", "one", "none"])
def test_my_work_rows_are_the_html_the_template_wrote(rows):
    ours = _render("{% my_work_rows mine now %}", mine=rows, now=NOW)
    assert ours == _render(MINE, mine=rows, now=NOW)
    if rows:
        assert "&lt;odd&gt;" in ours or len(rows) == 1


@pytest.mark.parametrize("n", [0, 1, 12])
def test_the_counts_are_the_html_the_template_wrote(n):
    counts = [(value, label, n + i) for i, (value, label) in enumerate(Priority.choices)]
    counts.append(("odd", 'Odd <"label">', n))
    ours = _render("{% queue_count_badges counts %}", counts=counts)
    assert ours == _render(COUNTS, counts=counts)
    with translation.override("fr"):
        assert _render("{% queue_count_badges counts %}", counts=counts) == _render(
            COUNTS, counts=counts
        )


# The three includes, as they were.
PRIORITY_BADGE = '<span class="badge {% if fault.priority == \'urgent\' %}text-bg-danger{% elif fault.priority == \'high\' %}text-bg-warning{% elif fault.priority == \'low\' %}text-bg-light border{% else %}text-bg-secondary{% endif %}" data-testid="priority">{{ fault.get_priority_display }}</span>{% if fault.unusable %} <span class="badge text-bg-danger" data-testid="unusable">Unusable</span>{% endif %}\n'
PM_DUE_BADGE = '{% if work_order.days_late > 0 %}<span class="badge text-bg-danger" data-testid="pm-overdue">Overdue {{ work_order.days_late }} day{{ work_order.days_late|pluralize }}</span>{% elif work_order.days_late == 0 %}<span class="badge text-bg-warning" data-testid="pm-due">Due today</span>{% else %}<span class="badge text-bg-info" data-testid="pm-due">Due {{ work_order.pm_due_date|date:"j M" }}</span>{% endif %}\n'
WORK_STATUS_BADGE = "<span class=\"badge {% if work_order.status == 'resolved' %}text-bg-success{% elif work_order.status == 'waiting_vendor' %}text-bg-warning{% elif work_order.status == 'due' %}text-bg-secondary{% else %}text-bg-primary{% endif %}\" data-testid=\"work-status\">{{ work_order.get_status_display }}</span>\n"


@pytest.mark.parametrize("fault", FAULTS)
def test_the_priority_badge_is_the_include(fault):
    assert _render("{% priority_badge fault %}", fault=fault) == _render(
        PRIORITY_BADGE, fault=fault
    )


@pytest.mark.parametrize("work_order", PM_ROWS)
def test_the_due_badge_is_the_include(work_order):
    assert _render("{% pm_due_badge work_order %}", work_order=work_order) == _render(
        PM_DUE_BADGE, work_order=work_order
    )


@pytest.mark.parametrize("work_order", MINE_ROWS)
def test_the_status_badge_is_the_include(work_order):
    assert _render("{% work_status_badge work_order %}", work_order=work_order) == _render(
        WORK_STATUS_BADGE, work_order=work_order
    )


# templates/engineering/machine_detail.html's open requests and open work, with the includes
# inlined, as they were.
OPEN_ITEMS = (
    '{% for fault in open_requests %}<li class="mb-2" data-testid="open-request">'
    + PRIORITY_BADGE
    + ' <strong>{{ fault.number }}</strong> · {{ fault.description }} <span class="text-body-secondary">— {{ fault.raised_by }}, {{ fault.raised_at|date:"SHORT_DATETIME_FORMAT" }} · waiting for an engineer</span>\n          {% if can_manage %}<form class="d-inline" method="post" action="{% url \'request_take\' fault.pk %}">{% csrf_token %}{% submission_field %}<button class="btn btn-sm btn-primary ms-1" type="submit">Take it</button></form>{% endif %}</li>{% endfor %}\n'  # noqa: E501
    '        {% for work_order in open_work %}{% with fault=work_order.fault_request %}<li class="mb-2" data-testid="open-work">'
    + WORK_STATUS_BADGE
    + " {% if can_manage %}<a href=\"{% url 'work_order_detail' work_order.pk %}\">{{ work_order.number }}</a>{% else %}<strong>{{ work_order.number }}</strong>{% endif %}{% if work_order.is_preventive %} · preventive maintenance due {{ work_order.pm_due_date|date }}{% endif %}{% if work_order.engineer %} · {{ work_order.engineer }}{% endif %}{% if fault %} · {{ fault.description }}{% endif %}{% if work_order.vendor_reference %} · vendor ref. {{ work_order.vendor_reference }}{% endif %}</li>{% endwith %}{% endfor %}"  # noqa: E501
)
OPEN_TAGS = (
    "{% open_request_items open_requests can_manage %}\n"
    "        {% open_work_items open_work can_manage %}"
)


def _machine_work(pk: int, status: str, *, preventive: bool, engineer=None, vendor="") -> object:
    work_order = _open(pk, status, None if preventive else f"Alarm <{pk}> & beeps")
    work_order.is_preventive = preventive
    work_order.pm_due_date = date(2026, 12, 4) - timedelta(days=pk) if preventive else None
    work_order.engineer = _Named(engineer) if engineer else None
    work_order.vendor_reference = vendor
    return work_order


OPEN_WORK = [
    _machine_work(1, "in_progress", preventive=False, engineer=TRICKY),
    _machine_work(2, "waiting_vendor", preventive=False, vendor='RMA "7" <x> & y'),
    _machine_work(3, "due", preventive=True),
    _machine_work(4, "in_progress", preventive=True, engineer="Joseph Kamau"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("can_manage", [True, False])
@pytest.mark.parametrize("language", ["en-gb", "fr"])
@pytest.mark.parametrize("lists", ["both", "requests", "work", "none"])
def test_a_machines_open_requests_and_work_are_the_html_the_template_wrote(
    can_manage, language, lists
):
    context = {
        "open_requests": FAULTS if lists in ("both", "requests") else [],
        "open_work": OPEN_WORK if lists in ("both", "work") else [],
        "can_manage": can_manage,
        "csrf_token": "abc<&>def",
    }
    with translation.override(language), timezone.override("Africa/Nairobi"):
        ours = _render(OPEN_TAGS, **context)
        assert ours == _render(OPEN_ITEMS, **context)
    if lists == "both":
        assert "&lt;script&gt;" in ours and "RMA &quot;7&quot;" in ours
        assert ("0f0e0d0c-token" in ours) == can_manage
