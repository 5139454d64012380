"""`{% priority_badge order %}` and `{% status_badges order %}`: a test order's badges,
`{% worklist_rows orders now %}`: the worklist's rows, and `{% choice_options choices chosen %}`:
its filters' options (engineering's, the register's), written out in Python. They sit on every row of the lab's lists (twice a row on the worklist), where an
included template per badge cost ~40 µs each (tests/bench/pages.py --profile)."""

import functools
from datetime import datetime
from html import escape

from django import template
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe

from engineering.templatetags.machine_marks import choice_options
from hms import submissions
from hms.durations import elapsed
from hms.links import link_to
from lab.models import LabTest, TestOrder

register = template.Library()
register.simple_tag(choice_options)


def _labels(model: type, field: str) -> dict:
    """A field's labels by value: what get_<field>_display() looks up, read once (it rebuilds
    the dict on every call, ~55 Python calls for the machine types)."""
    return dict(model._meta.get_field(field).flatchoices)


_STATUS_LABEL = _labels(TestOrder, "status")
_MACHINE_TYPE_LABEL = _labels(TestOrder, "machine_type")
_DEPARTMENT_LABEL = _labels(LabTest, "department")
_SAMPLE_LABEL = _labels(LabTest, "sample_type")


def _label(labels: dict, value: object) -> str:
    """get_<field>_display()'s text, escaped: the value's label, or the value itself."""
    return escape(str(labels.get(value, value)))


_PRIORITY = {
    "stat": '<span class="badge text-bg-danger" data-testid="priority">STAT</span>',
    "urgent": '<span class="badge text-bg-warning" data-testid="priority">Urgent</span>',
}
_ROUTINE = '<span class="badge text-bg-secondary" data-testid="priority">Routine</span>'
_STATUS_CLASS = {
    "verified": "text-bg-success",
    "completed": "text-bg-info",
    "cancelled": "text-bg-dark",
    "in_progress": "text-bg-primary",
}


@register.simple_tag
def priority_badge(order: object) -> SafeString:
    """STAT, Urgent or Routine."""
    return mark_safe(_PRIORITY.get(order.priority, _ROUTINE))  # noqa: S308 (fixed markup)


def _status_badges(order: object) -> str:
    badges = (
        f'<span class="badge {_STATUS_CLASS.get(order.status, "text-bg-light border")}" '
        f'data-testid="order-status">{_label(_STATUS_LABEL, order.status)}</span>'
    )
    if order.amended:
        badges += ' <span class="badge text-bg-warning">Amended</span>'
    if order.carried_over_at:
        badges += (
            f' <span class="badge text-bg-warning" title="{escape(order.carry_over_reason)}" '
            'data-testid="carried-over">Outpatient follow-up</span>'
        )
    return badges


@register.simple_tag
def status_badges(order: object) -> SafeString:
    """The order's step, and whether it was amended or carried over to outpatients."""
    return mark_safe(_status_badges(order))  # noqa: S308 (each value escaped)


def _step_form(action: str, csrf_token: str, to: str, label: str) -> str:
    return (
        f'<form method="post" action="{action}"><input type="hidden" '
        f'name="csrfmiddlewaretoken" value="{csrf_token}"><input type="hidden" '
        f'name="{submissions.FIELD}" value="{submissions.new_token()}"><input type="hidden" '
        f'name="to" value="{to}"><input type="hidden" name="next" value="worklist">'
        f'<button class="btn btn-primary btn-lg" type="submit" data-testid="step">{label}</button>'
        "</form>"
    )


def _step(order: object, csrf_token: str, order_link: str, advance_link: str) -> str:
    """The row's next step: a button that moves the order on, or the link to enter results
    (`csrf_token` escaped already)."""
    if order.status == "pending":
        label = "Patient arrived" if order.test.sample_type == "none" else "Sample collected"
        return _step_form(advance_link, csrf_token, "collected", label)
    if order.status == "collected":
        return _step_form(advance_link, csrf_token, "in_progress", "Start")
    return (
        f'<a class="btn btn-success btn-lg" href="{order_link}" data-testid="enter-results">'
        "Enter results</a>"
    )


_PAST_TARGET = ' · <span class="text-danger fw-semibold">past target</span>'


def _notes(order: object, now: datetime) -> str:
    test = order.test
    machine = f" · {_label(_MACHINE_TYPE_LABEL, order.machine_type)}" if order.machine_type else ""
    late = _PAST_TARGET if order.due_at is not None and order.due_at < now else ""
    lines = (
        f'<div class="text-body-secondary">{escape(order.number)} · '
        f"{_label(_DEPARTMENT_LABEL, test.department)} · "
        f"{_label(_SAMPLE_LABEL, test.sample_type)}{machine} · ordered "
        f"{escape(elapsed(order.ordered_at, now))} ago by Dr {escape(str(order.ordered_by))}"
        f"{late}</div>"
    )
    if order.clinical_notes:
        lines += f'<div class="small">“{escape(order.clinical_notes)}”</div>'
    if order.machine_wait_reason:
        lines += (
            '<div class="small text-warning-emphasis fw-semibold" data-testid="machine-wait-note">'
            '<i class="bi bi-exclamation-triangle-fill me-1" aria-hidden="true"></i>Ordered while '
            f"no {_label(_MACHINE_TYPE_LABEL, order.machine_type)} was working: to be done when it "
            f"is back ({escape(order.machine_wait_reason)})</div>"
        )
    if order.carried_over_at:
        lines += (
            '<div class="small text-warning-emphasis" data-testid="carry-over-note">Patient '
            f"discharged: outpatient follow-up ({escape(order.carry_over_reason)})</div>"
        )
    return lines


@functools.lru_cache(maxsize=8)
def _row_links(script_prefix: str) -> tuple:
    """The rows' links to an order and to its next step (hms.links), reversed once per process
    and script prefix."""
    return link_to("lab_order"), link_to("lab_order_advance")


@register.simple_tag(takes_context=True)
def worklist_rows(context: template.Context, orders: object, now: datetime) -> SafeString:
    """The worklist's "To do" rows: priority, test (the link), patient, what and since when, the
    notes, the order's badges and its next step (each form with its own submission token); one
    line saying so when nothing waits. Written out here: 50 rows of ~25 template lookups, a
    form and two URL reversals each cost the large hospital's worklist ~10 ms."""
    order_link, advance_link = _row_links(get_script_prefix())
    csrf_token = escape(str(context.get("csrf_token", "")))
    rows = []
    for order in orders:
        number, link = escape(order.number), order_link(order.pk)
        patient = order.patient
        rows.append(
            f'<div class="list-group-item py-3" data-testid="worklist-row" data-order="{number}">'
            '<div class="d-flex flex-wrap justify-content-between align-items-center gap-2"><div>'
            f'<div class="fs-5">{_PRIORITY.get(order.priority, _ROUTINE)} <a href="{link}" '
            f'class="fw-semibold">{escape(order.test.name)}</a> · {escape(patient.full_name)} '
            f'<span class="text-body-secondary">MRN {escape(patient.mrn)}</span></div>'
            f"{_notes(order, now)}</div>"
            '<div class="d-flex align-items-center gap-2"><span class="fs-5">'
            f"{_status_badges(order)}</span>"
            f"{_step(order, csrf_token, link, advance_link(order.pk))}</div></div></div>"
        )
    if not rows:
        return mark_safe(  # noqa: S308 (fixed markup)
            '<div class="list-group-item text-body-secondary py-3">Nothing waiting. New orders '
            "appear here as doctors place them.</div>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value escaped)
