"""Reads of attendance matched to the roster and leave, for many people at once in a constant
number of queries: the team's day, the roster grid, my attendance and the monthly report."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from hr import attendance_rules, leave_calendar
from hr.attendance_rules import Day, Interval, RosteredShift
from hr.models import Attendance, RosterEntry


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def grace() -> timedelta:
    return timedelta(minutes=settings.HMS_ATTENDANCE_GRACE_MINUTES)


def roster_of(user_ids: list[int], first: date, last: date) -> dict[int, dict[date, RosterEntry]]:
    """{user id: {date: RosterEntry}} from `first` to `last`: one query."""
    found: dict[int, dict[date, RosterEntry]] = defaultdict(dict)
    for entry in RosterEntry.objects.filter(
        user_id__in=user_ids, date__gte=first, date__lte=last
    ).select_related("shift"):
        found[entry.user_id][entry.date] = entry
    return found


def intervals_of(user_ids: list[int], first: date, last: date) -> dict[int, list[Interval]]:
    """{user id: [Interval]} started from `first` to `last` (dates of arrival), earliest first:
    one query, read as plain values (a month of a page of people is ~200 rows)."""
    found: dict[int, list[Interval]] = defaultdict(list)
    for user_id, time_in, time_out, forgotten in (
        Attendance.objects.filter(user_id__in=user_ids, date__gte=first, date__lte=last)
        .order_by("time_in")
        .values_list("user_id", "time_in", "time_out", "no_clock_out")
    ):
        found[user_id].append(Interval(time_in, time_out, forgotten))
    return found


def days_of(
    user_ids: list[int],
    first: date,
    last: date,
    *,
    now: datetime | None = None,
    roster: dict[int, dict[date, RosterEntry]] | None = None,
    leave: dict[int, dict[date, leave_calendar.LeaveDay]] | None = None,
) -> dict[int, dict[date, Day]]:
    """Each person's matched days from `first` to `last` (hr.attendance_rules.match_days):
    three queries and the leave calendar's, whatever the number of people and days. A caller
    that shows the roster or the leave itself passes what it read (`roster`: roster_of from the
    day before `first` to `last`; `leave`: the leave calendar of `first` to `last`), so neither
    is read twice."""
    now = now or timezone.now()
    if roster is None:
        roster = roster_of(user_ids, first - timedelta(days=1), last)
    intervals = intervals_of(user_ids, first - timedelta(days=1), last + timedelta(days=1))
    if leave is None:
        leave = leave_calendar.approved_leave_days(user_ids=user_ids, first=first, last=last)
    result = {}
    for user_id in user_ids:
        shifts = {
            day: RosteredShift(entry.shift.name, *entry.shift.window(day))
            for day, entry in roster.get(user_id, {}).items()
        }
        result[user_id] = attendance_rules.match_days(
            first=first,
            last=last,
            shifts=shifts,
            intervals=intervals.get(user_id, []),
            leave_types={day: leave.leave_type for day, leave in leave.get(user_id, {}).items()},
            now=now,
            grace=grace(),
            zone=zone(),
        )
    return result


@dataclass
class MonthLine:
    """One person's month: what the monthly report and its CSV show."""

    user: object
    days_present: int = 0
    days_late: int = 0
    days_absent: int = 0
    days_off_worked: int = 0
    worked: timedelta = timedelta(0)
    overtime: timedelta = timedelta(0)
    leave_by_type: dict[str, Decimal] = field(default_factory=dict)

    @property
    def hours_worked(self) -> Decimal:
        return hours(self.worked)

    @property
    def overtime_hours(self) -> Decimal:
        return hours(self.overtime)

    @property
    def leave_days(self) -> Decimal:
        return sum(self.leave_by_type.values(), Decimal(0))


def hours(length: timedelta) -> Decimal:
    """Hours with two decimals (7 h 30 min: 7.50), rounded half up, as the report shows them."""
    return (Decimal(int(length.total_seconds())) / Decimal(3600)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def month_lines(users: list, month: date, *, now: datetime | None = None) -> list[MonthLine]:
    """The monthly report's line for each of `users` (in their order) for the month of
    `month`: days present (any time worked), late, absent, days off worked, hours worked and
    overtime hours (hr.attendance_rules), leave taken by type (the fractions of approved leave
    days). A night shift begun on the month's last day counts to that month."""
    first, last = month_bounds(month)
    ids = [user.pk for user in users]
    leave = leave_calendar.approved_leave_days(user_ids=ids, first=first, last=last)
    matched = days_of(ids, first, last, now=now, leave=leave)
    lines = []
    for user in users:
        line = MonthLine(user=user)
        for day in matched.get(user.pk, {}).values():
            line.days_present += day.present
            line.days_late += day.late
            line.days_absent += day.absent
            line.days_off_worked += day.worked_day_off
            line.worked += day.worked
            line.overtime += day.overtime
        for leave_day in leave.get(user.pk, {}).values():
            line.leave_by_type[leave_day.leave_type] = (
                line.leave_by_type.get(leave_day.leave_type, Decimal(0)) + leave_day.fraction
            )
        lines.append(line)
    return lines


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone())


def my_fortnight(user, today: date) -> list[list[tuple]]:
    """This week and next of `user` (Monday first): [(date, RosterEntry or None, Day or None)]
    per week, for "My attendance"."""
    monday = today - timedelta(days=today.weekday())
    fortnight = [monday + timedelta(days=n) for n in range(14)]
    read = roster_of([user.pk], fortnight[0] - timedelta(days=1), fortnight[-1])
    matched = days_of([user.pk], fortnight[0], fortnight[-1], roster=read)[user.pk]
    roster = read.get(user.pk, {})
    rows = [(day, roster.get(day), matched.get(day)) for day in fortnight]
    return [rows[:7], rows[7:]]


def my_days(user, dates: list[date], *, now: datetime | None = None) -> list[dict]:
    """Each of `dates` with `user`'s intervals begun that day and the day's worked time (their
    union; an interval still open counts until now): one query."""
    now = now or timezone.now()
    by_date: dict[date, list[Attendance]] = defaultdict(list)
    for row in Attendance.objects.filter(user=user, date__in=dates).order_by("time_in"):
        by_date[row.date].append(row)
    return [
        {
            "date": day,
            "intervals": by_date[day],
            "worked": attendance_rules.union_length(
                Interval(r.time_in, r.time_out, r.no_clock_out).span(now) for r in by_date[day]
            ),
        }
        for day in dates
    ]


def roster_grid(people: list, days: list[date], shifts: list) -> list[tuple]:
    """The roster's rows: (person, [cell]) with a cell per day: {person, day, entry (or None),
    matched (Day or None), shifts (the page's list of every shift)}; four queries whatever the
    number of people (the roster read once, for its cells and for matching the attendance)."""
    ids = [person.pk for person in people]
    entries = roster_of(ids, days[0] - timedelta(days=1), days[-1])
    matched = days_of(ids, days[0], days[-1], roster=entries)
    return [
        (
            person,
            [
                roster_cell(
                    person,
                    day,
                    entries.get(person.pk, {}).get(day),
                    matched[person.pk].get(day),
                    shifts,
                )
                for day in days
            ],
        )
        for person in people
    ]


def roster_cell(person, day: date, entry, matched, shifts) -> dict:
    return {"person": person, "day": day, "entry": entry, "matched": matched, "shifts": shifts}
