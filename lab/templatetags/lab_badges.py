"""`{% priority_badge order %}` and `{% status_badges order %}`: a test order's badges, and
`{% worklist_rows orders now %}`: the worklist's rows, written out in Python. They sit on every row of the lab's lists (twice a row on the worklist), where an
included template per badge cost ~40 µs each (tests/bench/pages.py --profile)."""

from datetime import datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from hms import submissions
from hms.durations import elapsed
from hms.links import link_to

register = template.Library()

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


@register.simple_tag
def status_badges(order: object) -> SafeString:
    """The order's step, and whether it was amended or carried over to outpatients."""
    badges = format_html(
        '<span class="badge {}" data-testid="order-status">{}</span>',
        _STATUS_CLASS.get(order.status, "text-bg-light border"),
        order.get_status_display(),
    )
    if order.amended:
        badges += mark_safe(' <span class="badge text-bg-warning">Amended</span>')  # noqa: S308
    if order.carried_over_at:
        badges += format_html(
            ' <span class="badge text-bg-warning" title="{}" data-testid="carried-over">'
            "Outpatient follow-up</span>",
            order.carry_over_reason,
        )
    return badges


_STEP_FORM = (
    '<form method="post" action="{}"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
    '<input type="hidden" name="'
    + submissions.FIELD
    + '" value="{}"><input type="hidden" name="to" value="{}">'
    '<input type="hidden" name="next" value="worklist"><button class="btn btn-primary btn-lg" '
    'type="submit" data-testid="step">{}</button></form>'
)


def _step(order: object, csrf_token: str, order_link: str, advance_link: str) -> SafeString:
    """The row's next step: a button that moves the order on, or the link to enter results."""
    if order.status == "pending":
        label = "Patient arrived" if order.test.sample_type == "none" else "Sample collected"
        return format_html(
            _STEP_FORM, advance_link, csrf_token, submissions.new_token(), "collected", label
        )
    if order.status == "collected":
        return format_html(
            _STEP_FORM, advance_link, csrf_token, submissions.new_token(), "in_progress", "Start"
        )
    return format_html(
        '<a class="btn btn-success btn-lg" href="{}" data-testid="enter-results">Enter results</a>',
        order_link,
    )


def _notes(order: object, now: datetime) -> SafeString:
    lines = format_html(
        '<div class="text-body-secondary">{} · {} · {}{} · ordered {} ago by Dr {}{}</div>',
        order.number,
        order.test.get_department_display(),
        order.test.get_sample_type_display(),
        format_html(" · {}", order.get_machine_type_display()) if order.machine_type else "",
        elapsed(order.ordered_at, now),
        order.ordered_by,
        mark_safe(' · <span class="text-danger fw-semibold">past target</span>')  # noqa: S308
        if order.due_at is not None and order.due_at < now
        else "",
    )
    if order.clinical_notes:
        lines += format_html('<div class="small">“{}”</div>', order.clinical_notes)
    if order.machine_wait_reason:
        lines += format_html(
            '<div class="small text-warning-emphasis fw-semibold" data-testid="machine-wait-note">'
            '<i class="bi bi-exclamation-triangle-fill me-1" aria-hidden="true"></i>Ordered while '
            "no {} was working: to be done when it is back ({})</div>",
            order.get_machine_type_display(),
            order.machine_wait_reason,
        )
    if order.carried_over_at:
        lines += format_html(
            '<div class="small text-warning-emphasis" data-testid="carry-over-note">Patient '
            "discharged: outpatient follow-up ({})</div>",
            order.carry_over_reason,
        )
    return lines


@register.simple_tag(takes_context=True)
def worklist_rows(context: template.Context, orders: object, now: datetime) -> SafeString:
    """The worklist's "To do" rows: priority, test (the link), patient, what and since when, the
    notes, the order's badges and its next step (each form with its own submission token); one
    line saying so when nothing waits. Written out here: 50 rows of ~25 template lookups, a
    form and two URL reversals each cost the large hospital's worklist ~10 ms."""
    order_link, advance_link = link_to("lab_order"), link_to("lab_order_advance")
    csrf_token = str(context.get("csrf_token", ""))
    rows = [
        format_html(
            '<div class="list-group-item py-3" data-testid="worklist-row" data-order="{}">'
            '<div class="d-flex flex-wrap justify-content-between align-items-center gap-2"><div>'
            '<div class="fs-5">{} <a href="{}" class="fw-semibold">{}</a> · {} '
            '<span class="text-body-secondary">MRN {}</span></div>{}</div>'
            '<div class="d-flex align-items-center gap-2"><span class="fs-5">{}</span>{}</div>'
            "</div></div>",
            order.number,
            priority_badge(order),
            order_link(order.pk),
            order.test.name,
            order.patient.full_name,
            order.patient.mrn,
            _notes(order, now),
            status_badges(order),
            _step(order, csrf_token, order_link(order.pk), advance_link(order.pk)),
        )
        for order in orders
    ]
    if not rows:
        return mark_safe(  # noqa: S308 (fixed markup)
            '<div class="list-group-item text-body-secondary py-3">Nothing waiting. New orders '
            "appear here as doctors place them.</div>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (each row escaped by format_html)
