"""`{% priority_badge order %}` and `{% status_badges order %}`: a test order's badges, written out
in Python. They sit on every row of the lab's lists (twice a row on the worklist), where an
included template per badge cost ~40 µs each (tests/bench/pages.py --profile)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

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
