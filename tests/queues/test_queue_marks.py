"""The "Send to" options of a ticket at the window are written out in Python
(queues/templatetags/queue_marks.py `transfer_options`), and so is the waiting line
(`waiting_rows`): the same HTML the template's loops wrote, with no choice, a posted choice, a
choice that is no point, walk-ins and priority tickets in several time zones, and names that need
escaping."""

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone

# The loop the tag replaced (templates/queues/point.html), as it was.
OPTIONS = (
    '{% for other in points %}{% if other.pk != point.pk %}<option value="{{ other.pk }}"'
    '{% if transfer_form.to_point.value|stringformat:"s" == other.pk|stringformat:"s" %}'
    " selected{% endif %}>{{ other.name }}</option>{% endif %}{% endfor %}"
)
NEW = "{% transfer_options points point transfer_form.to_point.value %}"

POINTS = [
    SimpleNamespace(pk=1, name="Triage"),
    SimpleNamespace(pk=2, name='Dr <b>Otieno</b> & "partners"'),
    SimpleNamespace(pk=3, name="Lab's desk"),
    SimpleNamespace(pk=12, name="Pharmacy"),
]


def _render(source: str, point, chosen) -> str:
    form = SimpleNamespace(to_point=SimpleNamespace(value=chosen))
    context = Context({"points": POINTS, "point": point, "transfer_form": form})
    return Template("{% load queue_marks %}" + source).render(context)


@pytest.mark.parametrize("chosen", [None, "", "2", 3, "12", "1", "x", "<b>"])
@pytest.mark.parametrize("point", [POINTS[0], POINTS[1], SimpleNamespace(pk=99, name="Closed")])
def test_the_options_are_the_html_the_template_wrote(point, chosen):
    ours = _render(NEW, point, chosen)
    assert ours == _render(OPTIONS, point, chosen)
    assert "&lt;b&gt;Otieno&lt;/b&gt; &amp; &quot;partners&quot;" in ours or point.pk == 2


def test_no_other_point_is_no_option():
    assert _render(NEW, POINTS[0], None) != ""
    assert (
        Template("{% load queue_marks %}" + NEW).render(
            Context(
                {
                    "points": POINTS[:1],
                    "point": POINTS[0],
                    "transfer_form": SimpleNamespace(to_point=SimpleNamespace(value=None)),
                }
            )
        )
        == ""
    )


# templates/queues/point.html's waiting line, as it was.
WAITING = '{% for ticket in waiting %}\n      <li class="list-group-item d-flex justify-content-between align-items-start">\n        <div class="ms-2 me-auto"><span class="fw-bold me-2">{{ ticket.label }}</span>{% if ticket.priority %}<span class="badge text-bg-danger me-1">Priority</span>{% endif %}{% if ticket.patient %}{{ ticket.patient.full_name }}{% else %}Walk-in{% endif %}</div>\n        <span class="text-body-secondary text-nowrap">{{ ticket.issued_at|time:"H:i" }} · {{ ticket.waited|waited }}</span>\n      </li>\n      {% empty %}\n      <li class="list-group-item text-body-secondary">Nobody is waiting.</li>\n      {% endfor %}'
START = datetime(2026, 12, 4, 5, 7, tzinfo=UTC)
TICKETS = [
    SimpleNamespace(
        label="T-001",
        priority=True,
        patient=SimpleNamespace(full_name='Amina <b>"Ali"</b> & co'),
        issued_at=START,
        waited=timedelta(minutes=75),
    ),
    SimpleNamespace(
        label="T-<002>",
        priority=False,
        patient=None,
        issued_at=START + timedelta(hours=14, minutes=58),
        waited=timedelta(seconds=20),
    ),
    SimpleNamespace(
        label="T-003",
        priority=False,
        patient=SimpleNamespace(full_name="Joseph Kamau"),
        issued_at=START - timedelta(days=1),
        waited=None,
    ),
]


@pytest.mark.parametrize("tickets", [TICKETS, TICKETS[1:2], []], ids=["three", "walk-in", "none"])
@pytest.mark.parametrize("zone", ["Africa/Nairobi", "Asia/Kolkata", "UTC"])
def test_the_waiting_line_is_the_html_the_template_wrote(tickets, zone):
    with timezone.override(zone):
        ours = Template("{% load queue_marks %}{% waiting_rows waiting %}").render(
            Context({"waiting": tickets})
        )
        assert ours == Template("{% load queue_marks %}" + WAITING).render(
            Context({"waiting": tickets})
        )
    if tickets:
        assert "&lt;" in ours


# templates/queues/point.html's tickets at the window, as they were (with the options' loop).
AT_WINDOW = '{% for ticket in at_window %}\n    <div class="card mb-2 {% if ticket.status == \'called\' %}border-warning{% else %}border-success{% endif %}" data-testid="at-window">\n      <div class="card-body">\n        <div class="d-flex flex-wrap justify-content-between align-items-center gap-2">\n          <div>\n            <span class="fs-2 fw-bold me-2" data-testid="ticket-label">{{ ticket.label }}</span>\n            <span class="badge {% if ticket.status == \'called\' %}text-bg-warning{% else %}text-bg-success{% endif %} fs-6">{{ ticket.get_status_display }}{% if ticket.calls > 1 %} · called {{ ticket.calls }} times{% endif %}</span>\n            <div>{% if ticket.patient %}{% if may_open_charts %}<a href="{% url \'patient_chart\' ticket.patient.pk %}">{{ ticket.patient.full_name }}</a>{% else %}{{ ticket.patient.full_name }}{% endif %} · MRN {{ ticket.patient.mrn }}{% else %}Walk-in{% endif %} · waited {{ ticket.waited|waited }}</div>\n          </div>\n          {% if may_serve %}\n          <div class="d-flex flex-wrap gap-2">\n            {% if ticket.status == \'called\' %}\n            <form method="post" action="{% url \'ticket_serve\' ticket.pk %}">{% csrf_token %}{% submission_field %}<button class="btn btn-primary" type="submit" data-testid="serve">Patient is here</button></form>\n            <form method="post" action="{% url \'ticket_recall\' ticket.pk %}">{% csrf_token %}{% submission_field %}<button class="btn btn-outline-warning" type="submit" data-testid="recall"><i class="bi bi-arrow-repeat" aria-hidden="true"></i>Call again</button></form>\n            <form method="post" action="{% url \'ticket_no_show\' ticket.pk %}" data-confirm="Close {{ ticket.label }}: the patient did not answer?">{% csrf_token %}{% submission_field %}<button class="btn btn-outline-dark" type="submit" data-testid="no-show">Did not answer</button></form>\n            {% endif %}\n            <form method="post" action="{% url \'ticket_finish\' ticket.pk %}">{% csrf_token %}{% submission_field %}<button class="btn btn-success" type="submit" data-testid="finish">Done</button></form>\n          </div>\n          {% endif %}\n        </div>\n        {% if may_serve %}\n        <form class="row g-2 align-items-end mt-2" method="post" action="{% url \'ticket_transfer\' ticket.pk %}" novalidate data-testid="transfer-form">{% csrf_token %}{% submission_field %}\n          {# Written out: the points were loaded once for the figures; a form field would query them again for every ticket. #}\n          <div class="col-auto"><label class="form-label" for="to-{{ ticket.pk }}">Send to</label>\n            <select id="to-{{ ticket.pk }}" name="to_point" class="form-select{% if transfer_form.to_point.errors %} is-invalid{% endif %}">{% for other in points %}{% if other.pk != point.pk %}<option value="{{ other.pk }}"{% if transfer_form.to_point.value|stringformat:"s" == other.pk|stringformat:"s" %} selected{% endif %}>{{ other.name }}</option>{% endif %}{% endfor %}</select>\n            {% for error in transfer_form.to_point.errors %}<div class="invalid-feedback">{{ error }}</div>{% endfor %}</div>\n          <div class="col-auto"><div class="form-check mb-2"><input class="form-check-input" type="checkbox" name="priority" id="priority-{{ ticket.pk }}"{% if transfer_form.priority.value %} checked{% endif %}><label class="form-check-label" for="priority-{{ ticket.pk }}">Priority</label></div></div>\n          <div class="col-auto"><button class="btn btn-outline-primary" type="submit" data-testid="transfer"><i class="bi bi-arrow-right-circle" aria-hidden="true"></i>Send on</button></div>\n        </form>\n        {% endif %}\n      </div>\n    </div>\n    {% empty %}\n    <p class="text-body-secondary" data-testid="nobody-at-window">Nobody at the window.{% if may_serve and figures.waiting %} Press Call next.{% endif %}</p>\n    {% endfor %}'


class _Form:
    """What the page reads of a TransferForm: each field's value and errors."""

    def __init__(self, to_point=None, priority=None, errors=()) -> None:
        self.fields = {
            "to_point": SimpleNamespace(value=lambda: to_point, errors=list(errors)),
            "priority": SimpleNamespace(value=lambda: priority, errors=[]),
        }

    def __getitem__(self, name):
        return self.fields[name]

    def __getattr__(self, name):
        try:
            return self.__dict__["fields"][name]
        except KeyError:
            raise AttributeError(name) from None


def _ticket(pk, status, calls, patient):
    return SimpleNamespace(
        pk=pk,
        label=f"T-<{pk:03d}>",
        status=status,
        get_status_display=lambda: {"called": "Called", "serving": "Being seen"}[status],
        calls=calls,
        patient=patient,
        waited=timedelta(minutes=pk * 7),
    )


AMINA = SimpleNamespace(
    pk=uuid.UUID("5b1c0000-0000-4000-8000-000000000077"),
    full_name='Amina <b>"Ali"</b> & co',
    mrn="MRN-<77>",
)
AT = [
    _ticket(4, "called", 1, AMINA),
    _ticket(9, "serving", 3, None),
    _ticket(12, "called", 2, None),
]


@pytest.fixture
def _fixed_submission_token(monkeypatch):
    from hms import submissions

    monkeypatch.setattr(submissions, "new_token", lambda: "0f0e0d0c-token")


@pytest.mark.usefixtures("_fixed_submission_token")
@pytest.mark.parametrize("tickets", [AT, AT[1:2], []], ids=["three", "one", "none"])
@pytest.mark.parametrize("may_serve", [True, False])
@pytest.mark.parametrize("may_open_charts", [True, False])
@pytest.mark.parametrize(
    "form",
    [
        _Form(),
        _Form(to_point="3", priority=True, errors=["That service point is closed now: <b>x</b>"]),
    ],
    ids=["blank", "refused"],
)
@pytest.mark.parametrize("csrf_token", ["abc<&>", None])
@pytest.mark.parametrize("waiting", [0, 4])
def test_the_tickets_at_the_window_are_the_html_the_template_wrote(
    tickets, may_serve, may_open_charts, form, csrf_token, waiting
):
    context = {
        "at_window": tickets,
        "may_serve": may_serve,
        "may_open_charts": may_open_charts,
        "transfer_form": form,
        "points": POINTS,
        "point": POINTS[0],
        "csrf_token": csrf_token,
        "figures": SimpleNamespace(waiting=waiting),
    }
    ours = Template("{% load queue_marks %}{% at_window_cards at_window %}").render(
        Context(context)
    )
    assert ours == Template("{% load queue_marks %}" + AT_WINDOW).render(Context(context))
