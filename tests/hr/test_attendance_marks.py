"""A matched day's status badges are written out in Python (hr/templatetags/attendance_marks.py):
the same HTML templates/hr/_status.html wrote, for every kind of day, whatever a name holds."""

from datetime import date, datetime, time, timedelta
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


# "My days" of my attendance, as the template wrote them.
MY_DAYS = (
    '{% for day in days %}\n  <tbody class="border-top border-2">\n  {% for row in'
    ' day.intervals %}\n  <tr><td>{% if forloop.first %}{{ day.date|date:"D d M Y" }}{% endif'
    ' %}</td>\n    <td class="text-nowrap">{{ row.time_in|time:"H:i" }} <span class="small'
    ' text-body-secondary">{{ row.get_started_by_display }}</span></td>\n    <td'
    ' class="text-nowrap">{% if row.no_clock_out %}<span class="badge text-bg-warning"'
    ' data-testid="no-clock-out">no clock-out</span>{% elif row.time_out %}{{'
    ' row.time_out|time:"H:i" }}{% if row.time_out|date:"Ymd" != day.date|date:"Ymd" %} <span'
    ' class="text-body-secondary">{{ row.time_out|date:"D d M" }}</span>{% endif %}{% if'
    ' row.ended_by %} <span class="small text-body-secondary">{{ row.get_ended_by_display'
    ' }}</span>{% endif %}{% else %}<span class="badge text-bg-success">still in</span>{% endif'
    ' %}</td>\n    <td class="text-end text-nowrap">{% if row.time_out %}{{'
    " row.time_in|timesince:row.time_out }}{% endif %}</td></tr>\n  {% endfor %}\n  <tr"
    ' class="table-light"><td colspan="3" class="fw-semibold">Worked on {{ day.date|date:"D d'
    ' M" }} <span class="small fw-normal text-body-secondary">(two devices at once count'
    ' once)</span></td><td class="text-end fw-semibold text-nowrap" data-testid="day-total-{{'
    " day.date|date:'Y-m-d' }}\">{{ day.total }}</td></tr>\n  </tbody>\n  {% empty"
    ' %}<tbody><tr><td colspan="4" class="text-body-secondary">Nothing recorded'
    " yet.</td></tr></tbody>{% endfor %}\n"
)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NAIROBI)


def test_my_days_are_the_html_the_template_wrote():
    from hr.models import Attendance

    days = [
        {
            "date": date(2026, 11, 23),
            "intervals": [
                Attendance(time_in=_at(23, 6, 55), time_out=_at(23, 12, 2), ended_by="sign_out"),
                Attendance(time_in=_at(23, 12, 30), time_out=_at(23, 15, 1), ended_by="idle"),
                Attendance(time_in=_at(23, 19), time_out=_at(24, 7, 10), ended_by=""),
            ],
            "total": "20 h 48 min <&>",
        },
        {
            "date": date(2026, 11, 24),
            "intervals": [
                Attendance(time_in=_at(24, 8), no_clock_out=True, ended_by="longest_shift"),
                Attendance(time_in=_at(24, 9), started_by="sign_in"),
                Attendance(time_in=_at(24, 23, 30), time_out=_at(25, 0, 15), ended_by="click"),
            ],
            "total": "0 h 45 min",
        },
        {"date": date(2026, 11, 25), "intervals": [], "total": "0 h 00 min"},
    ]

    written = {}
    for shown in (days, []):
        ours = Template("{% load attendance_marks %}{% attendance_days days %}").render(
            Context({"days": shown})
        )
        template = Template(MY_DAYS).render(Context({"days": shown}))
        assert " ".join(ours.split()) == " ".join(template.split())
        written[bool(shown)] = ours

    assert "no clock-out" in written[True] and "Tue 24 Nov" in written[True]
    assert "Nothing recorded yet." in written[False]


# "My shifts this week and next", as the template wrote them.
MY_WEEKS = (
    "{% for week in weeks %}\n"
    '<div class="row row-cols-2 row-cols-md-4 row-cols-xl-7 g-2 mb-2" data-testid="my-week">\n'
    "  {% for day, entry, matched in week %}\n"
    '  <div class="col"><div class="card h-100{% if day == today %} border-primary border-2{%'
    ' endif %}" data-testid="my-day-{{ day|date:\'Y-m-d\' }}"><div class="card-body p-2">\n'
    '    <div class="fw-semibold">{{ day|date:"D d M" }}{% if day == today %} <span'
    ' class="badge text-bg-primary">today</span>{% endif %}</div>\n'
    '    <div>{% if entry %}{{ entry.shift.name }} <span class="text-body-secondary small'
    ' text-nowrap">{{ entry.shift.starts_at|time:"H:i" }}–{{ entry.shift.ends_at|time:"H:i"'
    ' }}</span>{% else %}<span class="text-body-secondary">Day off</span>{% endif %}</div>\n'
    '    {% if matched and day <= today %}<div class="small" data-testid="my-status">{%'
    " day_status matched %}</div>{% endif %}\n"
    "  </div></div></div>\n"
    "  {% endfor %}\n"
    "</div>\n"
    "{% endfor %}\n"
)


def test_my_weeks_are_the_html_the_template_wrote():
    from types import SimpleNamespace

    night = SimpleNamespace(name="Night <&>", starts_at=time(19), ends_at=time(7, 30))
    monday = date(2026, 11, 23)
    kinds = [day for day in DAYS if day is not None] + [None, None]
    rows = [
        (
            monday + timedelta(days=n),
            SimpleNamespace(shift=night) if n % 3 else None,
            kinds[n % len(kinds)],
        )
        for n in range(14)
    ]
    weeks = [rows[:7], rows[7:]]
    context = {"weeks": weeks, "today": monday + timedelta(days=9)}

    ours = Template("{% load attendance_marks %}{% my_weeks weeks today %}").render(
        Context(context)
    )

    template = Template("{% load attendance_marks %}" + MY_WEEKS).render(Context(context))
    assert " ".join(ours.split()) == " ".join(template.split())
    assert ours.count('data-testid="my-status"') == 10 and "border-primary" in ours


def test_each_length_is_worded_once_as_timesince_words_it():
    from types import SimpleNamespace

    from django.template.defaultfilters import timesince_filter
    from django.utils.html import escape

    from hr.templatetags.attendance_marks import _how_long, _length_words

    def row(start: datetime, **length) -> SimpleNamespace:
        return SimpleNamespace(time_in=start, time_out=start + timedelta(**length))

    zone = ZoneInfo("Africa/Nairobi")
    rows = [
        row(datetime(2026, 1, 31, 20, tzinfo=zone), hours=8, minutes=5),
        row(datetime(2026, 3, 3, 7, tzinfo=zone), hours=8, minutes=5),  # the same length
        row(datetime(2026, 2, 3, 7, tzinfo=zone), days=26, hours=23),
        row(datetime(2026, 1, 31, 7, tzinfo=zone), days=26, hours=23, minutes=59, seconds=59),
        row(datetime(2026, 2, 28, 10, tzinfo=zone), days=28),  # "1 month": not kept
        row(datetime(2026, 1, 10, 10, tzinfo=zone), days=40),
        row(datetime(2026, 1, 10, 10, tzinfo=zone), minutes=-5),
        row(datetime(2026, 1, 10, 10, tzinfo=zone), seconds=59, microseconds=999_999),
        row(datetime(2026, 12, 31, 23, 30, tzinfo=zone), hours=1),  # into another year
    ]
    _length_words.cache_clear()

    written = [_how_long(r, "en-gb") for r in rows]

    assert written == [escape(timesince_filter(r.time_in, r.time_out)) for r in rows]
    assert written[4] == "1\xa0month"
    assert _length_words.cache_info().currsize == 5  # 8 h 5 min, the two 26 days, 59 s, 1 h


def test_a_date_is_written_as_the_date_filter_writes_it_in_each_language():
    from django.utils import translation
    from django.utils.dateformat import format as date_format

    from hr.templatetags.attendance_marks import date_words

    days = [date(2026, 11, 23) + timedelta(days=n) for n in range(0, 400, 37)]

    for language in ("en-gb", "fr", "sw"):
        with translation.override(language):
            for day in days:
                for written_as in ("D d M Y", "D d M"):
                    assert date_words(day, written_as, language) == date_format(day, written_as)


def test_a_role_is_written_as_its_display_says_it_in_each_language():
    from django.utils import translation
    from django.utils.html import escape

    from accounts.models import User
    from hr.templatetags.attendance_marks import role_words

    roles = [value for value, _ in User._meta.get_field("role").flatchoices] + ["<new & odd>"]

    for language in ("en-gb", "sw"):
        with translation.override(language):
            for role in roles:
                assert role_words(role, language) == escape(User(role=role).get_role_display())
