"""The lab worklist's rows are written out in Python (lab/templatetags/lab_badges.py,
`{% worklist_rows %}`): the same HTML the template wrote, for every step and note, whatever the
notes hold."""

import re
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from lab.models import TestOrder
from tests.factories import LabOrderFactory, LabTestFactory, PatientFactory

pytestmark = pytest.mark.django_db

# The template the tag replaced, as it was.
ROWS = '  {% for order in orders %}\n  <div class="list-group-item py-3" data-testid="worklist-row" data-order="{{ order.number }}">\n    <div class="d-flex flex-wrap justify-content-between align-items-center gap-2">\n      <div>\n        <div class="fs-5">{% priority_badge order %} <a href="{% url \'lab_order\' order.pk %}" class="fw-semibold">{{ order.test.name }}</a> · {{ order.patient.full_name }} <span class="text-body-secondary">MRN {{ order.patient.mrn }}</span></div>\n        <div class="text-body-secondary">{{ order.number }} · {{ order.test.get_department_display }} · {{ order.test.get_sample_type_display }}{% if order.machine_type %} · {{ order.get_machine_type_display }}{% endif %} · ordered {{ order.ordered_at|elapsed:now }} ago by Dr {{ order.ordered_by }}{% if order.due_at < now %} · <span class="text-danger fw-semibold">past target</span>{% endif %}</div>\n        {% if order.clinical_notes %}<div class="small">“{{ order.clinical_notes }}”</div>{% endif %}\n        {% if order.machine_wait_reason %}<div class="small text-warning-emphasis fw-semibold" data-testid="machine-wait-note"><i class="bi bi-exclamation-triangle-fill me-1" aria-hidden="true"></i>Ordered while no {{ order.get_machine_type_display }} was working: to be done when it is back ({{ order.machine_wait_reason }})</div>{% endif %}\n        {% if order.carried_over_at %}<div class="small text-warning-emphasis" data-testid="carry-over-note">Patient discharged: outpatient follow-up ({{ order.carry_over_reason }})</div>{% endif %}\n      </div>\n      <div class="d-flex align-items-center gap-2">\n        <span class="fs-5">{% status_badges order %}</span>\n        {% if order.status == "pending" %}\n        <form method="post" action="{% url \'lab_order_advance\' order.pk %}">{% csrf_token %}{% submission_field %}<input type="hidden" name="to" value="collected"><input type="hidden" name="next" value="worklist"><button class="btn btn-primary btn-lg" type="submit" data-testid="step">{% if order.test.sample_type == "none" %}Patient arrived{% else %}Sample collected{% endif %}</button></form>\n        {% elif order.status == "collected" %}\n        <form method="post" action="{% url \'lab_order_advance\' order.pk %}">{% csrf_token %}{% submission_field %}<input type="hidden" name="to" value="in_progress"><input type="hidden" name="next" value="worklist"><button class="btn btn-primary btn-lg" type="submit" data-testid="step">Start</button></form>\n        {% else %}\n        <a class="btn btn-success btn-lg" href="{% url \'lab_order\' order.pk %}" data-testid="enter-results">Enter results</a>\n        {% endif %}\n      </div>\n    </div>\n  </div>\n  {% empty %}<div class="list-group-item text-body-secondary py-3">Nothing waiting. New orders appear here as doctors place them.</div>{% endfor %}\n'


def _comparable(html: str) -> str:
    """Whitespace between tags squeezed and the one-time submission tokens blanked."""
    html = re.sub(r'name="submission" value="[0-9a-f-]+"', 'name="submission" value=""', html)
    return re.sub(r">\s+<", "><", " ".join(html.split()))


def _render(source: str, orders, now) -> str:
    context = Context({"orders": orders, "now": now, "csrf_token": "the-csrf-token"})
    return Template("{% load lab_badges %}" + source).render(context)


def test_the_rows_are_the_html_the_template_wrote():
    now = timezone.now()
    xray = LabTestFactory(
        kind="imaging", department="radiology", sample_type="none", machine_type="xray"
    )
    patient = PatientFactory(first_name="Zoé", last_name="Ng'ang'a <b>")
    LabOrderFactory(patient=patient, priority="stat", clinical_notes='Fever "3 days" & <rash>')
    LabOrderFactory(
        test=xray, machine_wait_reason="Chest pain <now>", ordered_at=now - timedelta(hours=3)
    )
    LabOrderFactory(
        status="collected", priority="urgent", carried_over_at=now, carry_over_reason="Went home"
    )
    LabOrderFactory(status="in_progress", result_version=2, verified_version=1)
    LabOrderFactory(test=xray)
    orders = TestOrder.objects.select_related("patient", "test", "ordered_by").order_by("id")

    ours = _render("{% worklist_rows orders now %}", orders, now)

    assert _comparable(ours) == _comparable(_render(ROWS, orders, now))
    assert ours.count('data-testid="worklist-row"') == 5
    assert "past target" in ours and "Patient arrived" in ours and "Enter results" in ours
    assert (
        len(set(re.findall(r'name="submission" value="([0-9a-f-]+)"', ours))) == 4
    )  # one token a form


def test_an_empty_worklist_says_so():
    ours = _render("{% worklist_rows orders now %}", [], timezone.now())

    assert _comparable(ours) == _comparable(_render(ROWS, [], timezone.now()))
    assert "Nothing waiting" in ours
