"""Lengths of time as the attendance screens write them ("7 h 05 min", "25 min"); a matched day's
status badges and "My days" of my attendance, written out in Python: the roster shows a status
in each of its 175 cells, and the template include cost ~0.1 ms each; my days are a month of
intervals, each with times, dates and "how long" (~8 ms of the page's template time,
tests/bench/pages.py --profile). The HTML is what the templates wrote
(tests/hr/test_attendance_marks.py)."""

from datetime import timedelta

from django import template
from django.template.defaultfilters import timesince_filter
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from hr.attendance_rules import NOTHING, Day
from hr.models.attendance import Ended, Started

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


_STARTED, _ENDED = dict(Started.choices), dict(Ended.choices)
_NO_CLOCK_OUT = '<span class="badge text-bg-warning" data-testid="no-clock-out">no clock-out</span>'
_STILL_IN = '<span class="badge text-bg-success">still in</span>'


def _out(row, day_date) -> str:
    """When the interval ended: its time (and date, when another day), and how."""
    if row.no_clock_out:
        return _NO_CLOCK_OUT
    if not row.time_out:
        return _STILL_IN
    left = timezone.localtime(row.time_out)
    written = f"{left:%H:%M}"
    if left.date() != day_date:
        written += f' <span class="text-body-secondary">{date_format(left, "D d M")}</span>'
    if row.ended_by:
        how = escape(_ENDED.get(row.ended_by, row.ended_by))
        written += f' <span class="small text-body-secondary">{how}</span>'
    return written


# Under four weeks, `timesince` words a length the same whatever its dates (no month in it).
_NO_MONTH = timedelta(days=27)


def _how_long(row, lengths: dict[timedelta, str]) -> str:
    """How long the interval lasted ("8 hours, 5 minutes"), each length worded once a page."""
    length = row.time_out - row.time_in
    if not NOTHING <= length < _NO_MONTH:
        return escape(timesince_filter(row.time_in, row.time_out))
    written = lengths.get(length)
    if written is None:
        written = lengths[length] = escape(timesince_filter(row.time_in, row.time_out))
    return written


def _interval(row, day_date, said: str, lengths: dict[timedelta, str]) -> str:
    length = _how_long(row, lengths) if row.time_out else ""
    return (
        f"<tr><td>{said}</td>\n"
        f'    <td class="text-nowrap">{timezone.localtime(row.time_in):%H:%M} <span class="small'
        f' text-body-secondary">{escape(_STARTED.get(row.started_by, row.started_by))}</span></td>\n'
        f'    <td class="text-nowrap">{_out(row, day_date)}</td>\n'
        f'    <td class="text-end text-nowrap">{length}</td></tr>'
    )


@register.simple_tag
def attendance_days(days: list[dict]) -> SafeString:
    """My days: for each day (hr.attendance_selectors.my_days, with its `total` written), its
    intervals (in, how; out, how, or still in, or no clock-out; how long) and the day's total."""
    if not days:
        return mark_safe(  # noqa: S308 (constant)
            '<tbody><tr><td colspan="4" class="text-body-secondary">Nothing recorded yet.</td>'
            "</tr></tbody>"
        )
    written, lengths = [], {}
    for day in days:
        day_date = day["date"]
        said = date_format(day_date, "D d M Y")
        rows = "\n  ".join(
            _interval(row, day_date, said if n == 0 else "", lengths)
            for n, row in enumerate(day["intervals"])
        )
        written.append(
            '<tbody class="border-top border-2">\n  '
            + rows
            + '\n  <tr class="table-light"><td colspan="3" class="fw-semibold">Worked on'
            f' {said.rsplit(" ", 1)[0]} <span class="small fw-normal text-body-secondary">'
            '(two devices at once count once)</span></td><td class="text-end fw-semibold'
            f' text-nowrap" data-testid="day-total-{day_date:%Y-%m-%d}">{escape(day["total"])}'
            "</td></tr>\n  </tbody>"
        )
    return mark_safe("\n  ".join(written))  # noqa: S308 (every value escaped)


_TODAY = ' <span class="badge text-bg-primary">today</span>'
_MARKED = " border-primary border-2"


def _card(day, entry, matched, today) -> str:
    is_today = day == today
    if entry:
        shift = entry.shift
        rostered = (
            f'{escape(shift.name)} <span class="text-body-secondary small text-nowrap">'
            f"{shift.starts_at:%H:%M}–{shift.ends_at:%H:%M}</span>"
        )
    else:
        rostered = '<span class="text-body-secondary">Day off</span>'
    status = (
        f'<div class="small" data-testid="my-status">{day_status(matched)}</div>'
        if matched and day <= today
        else ""
    )
    return (
        f'<div class="col"><div class="card h-100{_MARKED if is_today else ""}"'
        f' data-testid="my-day-{day:%Y-%m-%d}"><div class="card-body p-2">\n'
        f'    <div class="fw-semibold">{date_format(day, "D d M")}'
        f"{_TODAY if is_today else ''}</div>\n"
        f"    <div>{rostered}</div>\n"
        f"    {status}\n"
        "  </div></div></div>"
    )


@register.simple_tag
def my_weeks(weeks: list, today) -> SafeString:
    """My shifts this week and next (hr.attendance_selectors.my_fortnight): a card a day with
    its shift and hours (or day off), today marked, and the status of each day until today."""
    return mark_safe(  # noqa: S308 (every value escaped)
        "\n".join(
            '<div class="row row-cols-2 row-cols-md-4 row-cols-xl-7 g-2 mb-2"'
            ' data-testid="my-week">\n  '
            + "\n  ".join(_card(day, entry, matched, today) for day, entry, matched in week)
            + "\n</div>"
            for week in weeks
        )
    )
