"""`{% team_rows rows %}` and `{% month_rows lines %}`: the team's day and the monthly report,
their rows written out in Python. Each is up to 50 people a page with eight columns; the
templates' ~25 lookups and filters a row were a third of the pages' CPU time
(tests/bench/pages.py --profile). The HTML is what the templates wrote
(tests/hr/test_attendance_rows.py)."""

from html import escape

from django import template
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from hr.templatetags.attendance_marks import role_words, status_html

register = template.Library()

_DASH = "—"


# Django's `escape` is html.escape marked safe; the rows are marked safe once, whole.


def _time(moment, zone) -> str:
    """A moment's hospital time, 07:05 (the `time:"H:i"` filter), or a dash."""
    return f"{moment.astimezone(zone):%H:%M}" if moment else _DASH


def _who(person) -> str:
    return escape(person.get_full_name() or person.username)


def _team_row(person, day, worked: str, overtime: str, zone, language: str) -> str:
    shift = day.shift
    rostered = (
        f'{escape(shift.name)} <span class="small text-body-secondary">{_time(shift.start, zone)}'
        f"–{_time(shift.end, zone)}</span>"
        if shift
        else '<span class="text-body-secondary">day off</span>'
    )
    department = person.department
    last_out = _DASH if day.still_in else _time(day.last_out, zone)
    return (
        f'<tr data-testid="team-row"><td>{_who(person)} <span class="small'
        f' text-body-secondary">{role_words(person.role, language)}</span></td>\n'
        f"    <td>{escape(str(department)) if department else _DASH}</td>\n"
        f'    <td class="text-nowrap">{rostered}</td>\n'
        f'    <td class="text-nowrap">{_time(day.first_in, zone)}</td>\n'
        f'    <td class="text-nowrap">{last_out}</td>\n'
        f"    <td>{status_html(day)}</td>\n"
        f'    <td class="text-end text-nowrap">{escape(worked)}</td>\n'
        f'    <td class="text-end text-nowrap">{escape(overtime) if day.overtime else _DASH}</td>'
        "</tr>"
    )


@register.simple_tag
def team_rows(rows: list) -> SafeString:
    """The team's day: each person, department, shift and its hours, first in, last out (a
    dash while still in), status, worked and overtime."""
    if not rows:
        return mark_safe(  # noqa: S308 (constant)
            '<tr><td colspan="8" class="text-body-secondary">Nobody is rostered, on leave or'
            " signed in on this day.</td></tr>"
        )
    zone, language = timezone.get_current_timezone(), get_language()
    return mark_safe(  # noqa: S308 (every value escaped)
        "\n  ".join([_team_row(*row, zone, language) for row in rows])
    )


class _Figures:
    """Each figure of a page localized once: `localize` reads the format settings on every call,
    and a page of 50 lines writes ~350 figures, most of them the same few numbers."""

    def __init__(self) -> None:
        self._written: dict[tuple[type, str], str] = {}

    def __call__(self, value) -> str:
        # By type and text: Decimal("7.5") == Decimal("7.50"), but they are written differently.
        key = (type(value), str(value))
        written = self._written.get(key)
        if written is None:
            written = self._written[key] = localize(value)
        return written


def _leave_taken(line, figure: _Figures) -> str:
    return (
        ", ".join(
            f'<span class="text-nowrap">{escape(name)}: {figure(days.normalize())}</span>'
            for name, days in line.leave_by_type.items()
        )
        or _DASH
    )


def _month_row(line, figure: _Figures, language: str) -> str:
    user = line.user
    department = f" · {escape(str(user.department))}" if user.department else ""
    return (
        f'<tr data-testid="report-row"><td>{_who(user)} <span class="small'
        f' text-body-secondary">{role_words(user.role, language)}{department}</span></td>\n'
        f'    <td class="text-end" data-testid="days-present">{figure(line.days_present)}</td>\n'
        f'    <td class="text-end" data-testid="days-late">{figure(line.days_late)}</td>\n'
        f'    <td class="text-end" data-testid="days-absent">{figure(line.days_absent)}</td>\n'
        f'    <td class="text-end">{figure(line.days_off_worked)}</td>\n'
        f'    <td data-testid="leave-taken">{_leave_taken(line, figure)}</td>\n'
        f'    <td class="text-end" data-testid="hours-worked">{figure(line.hours_worked)}</td>\n'
        '    <td class="text-end" data-testid="overtime-hours">'
        f"{figure(line.overtime_hours)}</td></tr>"
    )


@register.simple_tag
def month_rows(lines: list) -> SafeString:
    """The monthly report's rows (hr.attendance_selectors.MonthLine): each person, days
    present, late, absent, days off worked, leave taken by type, hours worked, overtime."""
    if not lines:
        return mark_safe(  # noqa: S308 (constant)
            '<tr><td colspan="8" class="text-body-secondary">No staff in this department.</td></tr>'
        )
    figure, language = _Figures(), get_language()
    return mark_safe(  # noqa: S308 (every value escaped)
        "\n  ".join([_month_row(line, figure, language) for line in lines])
    )
