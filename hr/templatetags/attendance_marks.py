"""Lengths of time as the attendance screens write them ("7 h 05 min", "25 min"), and a matched
day's status badges, written out in Python: the roster shows one in each of its 175 cells, and
the template include cost ~0.1 ms each (tests/bench/pages.py --profile). The HTML is what
templates/hr/_status.html wrote (tests/hr/test_attendance_marks.py)."""

from datetime import timedelta

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from hr.attendance_rules import Day

register = template.Library()


@register.filter
def duration_minutes(length: timedelta | None) -> str:
    if not length:
        return "0 min"
    minutes = int(length.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


_ABSENT = '<span class="badge text-bg-danger" data-testid="status-absent">absent</span>'
_DAY_OFF_WORKED = (
    '<span class="badge text-bg-secondary" data-testid="status-day-off-worked">'
    "worked on a day off</span>"
)
_IN = '<span class="badge text-bg-success" data-testid="status-in">in now</span>'
_PRESENT = '<span class="badge text-bg-success" data-testid="status-present">present</span>'
_EARLY = ' <span class="badge text-bg-warning" data-testid="status-early">left early</span>'
_OVERTIME = ' <span class="badge text-bg-primary" data-testid="status-overtime">overtime</span>'
_NOT_YET = '<span class="text-body-secondary">not yet</span>'


@register.simple_tag
def day_status(day: Day | None) -> SafeString:
    """The day's badges: on leave, absent, worked on a day off, in now or present (with late,
    left early, overtime), "not yet" for a shift still to come; nothing for a day off."""
    if not day:
        return SafeString("")
    if day.on_leave and not day.present:
        return format_html(
            '<span class="badge text-bg-info" data-testid="status-leave">on leave ({})</span>',
            day.leave_type,
        )
    if day.absent:
        return mark_safe(_ABSENT)  # noqa: S308 (constant)
    if day.worked_day_off:
        return mark_safe(_DAY_OFF_WORKED)  # noqa: S308 (constant)
    if day.present:
        badges = _IN if day.still_in else _PRESENT
        if day.late:
            badges += format_html(
                ' <span class="badge text-bg-warning" data-testid="status-late">late {}</span>',
                duration_minutes(day.late_by),
            )
        if day.left_early:
            badges += _EARLY
        if day.overtime:
            badges += _OVERTIME
        return mark_safe(badges)  # noqa: S308 (constants and format_html)
    if day.shift:
        return mark_safe(_NOT_YET)  # noqa: S308 (constant)
    return SafeString("")
