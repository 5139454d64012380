"""Lengths of time as the attendance screens write them ("7 h 05 min", "25 min"); a matched day's
status badges and "My days" of my attendance, written out in Python: the roster shows a status
in each of its 175 cells, and the template include cost ~0.1 ms each; my days are a month of
intervals, each with times, dates and "how long" (~8 ms of the page's template time,
tests/bench/pages.py --profile). The HTML is what the templates wrote
(tests/hr/test_attendance_marks.py)."""

import html
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from django import template
from django.template.defaultfilters import timesince_filter
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

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


def status_html(day: Day | None) -> str:
    """The day's badges: on leave, absent, worked on a day off, in now or present (with late,
    left early, overtime), "not yet" for a shift still to come; nothing for a day off. Read
    from the Day's fields, not its properties: the roster writes one a cell."""
    if not day:
        return ""
    present = day.present
    if day.leave_type and not present:
        return (
            '<span class="badge text-bg-info" data-testid="status-leave">on leave'
            f" ({html.escape(day.leave_type)})</span>"
        )
    if day.absent:
        return _ABSENT
    if present:
        if day.shift is None:
            return _DAY_OFF_WORKED
        badges = _IN if day.still_in else _PRESENT
        if day.late_by > NOTHING:
            badges += (
                ' <span class="badge text-bg-warning" data-testid="status-late">late'
                f" {duration_minutes(day.late_by)}</span>"
            )
        if day.left_early_by > NOTHING:
            badges += _EARLY
        if day.overtime:
            badges += _OVERTIME
        return badges
    if day.shift:
        return _NOT_YET
    return ""


@register.simple_tag
def day_status(day: Day | None) -> SafeString:
    """status_html, for a template."""
    return SafeString(status_html(day))


@lru_cache(maxsize=1024)
def date_words(day: date, written_as: str, language: str) -> str:
    """A date as `date:written_as` writes it ("Mon 23 Nov 2026"), each date worked out once
    per language (Django's format costs ~90 calls; these formats name a day, never a time)."""
    return date_format(day, written_as)


@lru_cache(maxsize=256)
def role_words(role: str, language: str) -> str:
    """A role as `get_role_display` says it, escaped, worked out once per role and language
    (Django's display method costs ~50 calls, and a page names the same few roles)."""
    from accounts.models import User

    return html.escape(User(role=role).get_role_display())


# How each interval began and ended, escaped once.
_STARTED = {value: html.escape(label) for value, label in Started.choices}
_ENDED = {value: html.escape(label) for value, label in Ended.choices}
_NO_CLOCK_OUT = '<span class="badge text-bg-warning" data-testid="no-clock-out">no clock-out</span>'
_STILL_IN = '<span class="badge text-bg-success">still in</span>'


def _out(row, day_date, zone, language: str) -> str:
    """When the interval ended: its time (and date, when another day), and how."""
    if row.no_clock_out:
        return _NO_CLOCK_OUT
    if not row.time_out:
        return _STILL_IN
    left = row.time_out.astimezone(zone)
    written = f"{left:%H:%M}"
    left_date = left.date()
    if left_date != day_date:
        said = date_words(left_date, "D d M", language)
        written += f' <span class="text-body-secondary">{said}</span>'
    if ended_by := row.ended_by:
        how = _ENDED.get(ended_by) or html.escape(ended_by)
        written += f' <span class="small text-body-secondary">{how}</span>'
    return written


# Under four weeks, `timesince` words a length the same whatever its dates (no month in it).
_NO_MONTH = timedelta(days=27)


_SOME_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=1024)
def _length_words(length: timedelta, language: str) -> str:
    return html.escape(timesince_filter(_SOME_MOMENT, _SOME_MOMENT + length))


def _how_long(row, language: str) -> str:
    """How long the interval lasted ("8 hours, 5 minutes"), each length worded once (per
    language): under four weeks the words depend on the length alone."""
    length = row.time_out - row.time_in
    if not NOTHING <= length < _NO_MONTH:
        return escape(timesince_filter(row.time_in, row.time_out))
    return _length_words(length, language)


def _interval(row, day_date, said: str, zone, language: str) -> str:
    length = _how_long(row, language) if row.time_out else ""
    started_by = row.started_by
    how = _STARTED.get(started_by) or html.escape(started_by)
    return (
        f"<tr><td>{said}</td>\n"
        f'    <td class="text-nowrap">{row.time_in.astimezone(zone):%H:%M} <span class="small'
        f' text-body-secondary">{how}</span></td>\n'
        f'    <td class="text-nowrap">{_out(row, day_date, zone, language)}</td>\n'
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
    written, zone, language = [], timezone.get_current_timezone(), get_language()
    for day in days:
        day_date = day["date"]
        said = date_words(day_date, "D d M Y", language)
        rows = "\n  ".join(
            _interval(row, day_date, said if n == 0 else "", zone, language)
            for n, row in enumerate(day["intervals"])
        )
        written.append(
            '<tbody class="border-top border-2">\n  '
            + rows
            + '\n  <tr class="table-light"><td colspan="3" class="fw-semibold">Worked on'
            f' {said.rsplit(" ", 1)[0]} <span class="small fw-normal text-body-secondary">'
            '(two devices at once count once)</span></td><td class="text-end fw-semibold'
            f' text-nowrap" data-testid="day-total-{day_date:%Y-%m-%d}">{html.escape(day["total"])}'
            "</td></tr>\n  </tbody>"
        )
    return mark_safe("\n  ".join(written))  # noqa: S308 (every value escaped)


_TODAY = ' <span class="badge text-bg-primary">today</span>'
_MARKED = " border-primary border-2"


def _card(day, entry, matched, today, language: str) -> str:
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
        f'<div class="small" data-testid="my-status">{status_html(matched)}</div>'
        if matched and day <= today
        else ""
    )
    return (
        f'<div class="col"><div class="card h-100{_MARKED if is_today else ""}"'
        f' data-testid="my-day-{day:%Y-%m-%d}"><div class="card-body p-2">\n'
        f'    <div class="fw-semibold">{date_words(day, "D d M", language)}'
        f"{_TODAY if is_today else ''}</div>\n"
        f"    <div>{rostered}</div>\n"
        f"    {status}\n"
        "  </div></div></div>"
    )


@register.simple_tag
def my_weeks(weeks: list, today) -> SafeString:
    """My shifts this week and next (hr.attendance_selectors.my_fortnight): a card a day with
    its shift and hours (or day off), today marked, and the status of each day until today."""
    language = get_language()
    return mark_safe(  # noqa: S308 (every value escaped)
        "\n".join(
            '<div class="row row-cols-2 row-cols-md-4 row-cols-xl-7 g-2 mb-2"'
            ' data-testid="my-week">\n  '
            + "\n  ".join(
                _card(day, entry, matched, today, language) for day, entry, matched in week
            )
            + "\n</div>"
            for week in weeks
        )
    )
