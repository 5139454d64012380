"""A matched day's status badges are written out in Python (hr/templatetags/attendance_marks.py):
the same HTML templates/hr/_status.html wrote, for every kind of day, whatever a name holds."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from hr.attendance_rules import Day, RosteredShift

NAIROBI = ZoneInfo("Africa/Nairobi")
DAY = date(2026, 11, 23)
MORNING = RosteredShift(
    "Morning", datetime(2026, 11, 23, 7, tzinfo=NAIROBI), datetime(2026, 11, 23, 15, tzinfo=NAIROBI)
)

# The template the tag replaced, as it was (its file ended with a newline, left out here: the
# pages put it just before a closing tag, where it showed nothing).
STATUS = (
    '{% load attendance_marks %}{% if d.on_leave and not d.present %}<span class="badge'
    ' text-bg-info" data-testid="status-leave">on leave ({{ d.leave_type }})</span>{% elif'
    ' d.absent %}<span class="badge text-bg-danger" data-testid="status-absent">absent</span>'
    '{% elif d.worked_day_off %}<span class="badge text-bg-secondary"'
    ' data-testid="status-day-off-worked">worked on a day off</span>{% elif d.present %}{% if'
    ' d.still_in %}<span class="badge text-bg-success" data-testid="status-in">in now</span>'
    '{% else %}<span class="badge text-bg-success" data-testid="status-present">present</span>'
    '{% endif %}{% if d.late %} <span class="badge text-bg-warning" data-testid="status-late">'
    "late {{ d.late_by|duration_minutes }}</span>{% endif %}{% if d.left_early %} <span"
    ' class="badge text-bg-warning" data-testid="status-early">left early</span>{% endif %}'
    '{% if d.overtime %} <span class="badge text-bg-primary" data-testid="status-overtime">'
    'overtime</span>{% endif %}{% elif d.shift %}<span class="text-body-secondary">not yet'
    "</span>{% endif %}"
)

DAYS = [
    None,
    Day(date=DAY),
    Day(date=DAY, leave_type="Annual <leave> & 'rest'"),
    Day(date=DAY, shift=MORNING, leave_type="Sick leave", present=True, worked=timedelta(hours=2)),
    Day(date=DAY, shift=MORNING, absent=True),
    Day(date=DAY, present=True, worked=timedelta(hours=3), overtime=timedelta(hours=3)),
    Day(date=DAY, shift=MORNING),
    Day(date=DAY, shift=MORNING, present=True, still_in=True),
    Day(date=DAY, shift=MORNING, present=True, late_by=timedelta(minutes=25)),
    Day(
        date=DAY,
        shift=MORNING,
        present=True,
        late_by=timedelta(hours=1, minutes=5),
        left_early_by=timedelta(minutes=40),
        overtime=timedelta(minutes=30),
    ),
    Day(date=DAY, shift=MORNING, present=True, still_in=True, overtime=timedelta(hours=1)),
    Day(date=DAY, shift=MORNING, present=True, left_early_by=timedelta(minutes=20)),
]


@pytest.mark.parametrize("day", DAYS)
def test_the_badges_are_the_html_the_template_wrote(day):
    written = Template("{% load attendance_marks %}{% day_status d %}").render(Context({"d": day}))

    assert written == Template(STATUS).render(Context({"d": day}))
