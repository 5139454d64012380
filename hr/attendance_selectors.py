"""Reads of attendance matched to the roster and leave, for many people at once in a constant
number of queries: the team's day, the roster grid, my attendance and the monthly report."""

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from hms.prepared import Prepared
from hr import attendance_rules, leave_calendar, people_ids
from hr.attendance_rules import Day, Interval, RosteredShift
from hr.models import Attendance, RosterEntry, Shift


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def grace() -> timedelta:
    return timedelta(minutes=settings.HMS_ATTENDANCE_GRACE_MINUTES)


@dataclass(frozen=True, slots=True)
class Rostered:
    """A person's shift on a date as the roster, the matching and my weeks read it: `shift` and
    `shift_id`, as a RosterEntry has them (read as plain values: a week of a page is ~200; the
    id kept as read, not asked of the shift in each cell)."""

    shift: Shift
    shift_id: int


def _roster_rows(ids: str, first: date, last: date):
    return RosterEntry.objects.filter(
        user_id__in=people_ids.among(ids), date__gte=first, date__lte=last
    ).values_list(
        "user_id", "date", "shift_id", "shift__name", "shift__starts_at", "shift__ends_at"
    )


def _interval_rows(ids: str, before: date, after: date, first_start: datetime, horizon: datetime):
    """The intervals begun from `before` to `after` but those of the day before that ended (or
    were never clocked out) before the first day began, and those of the day after begun from
    `horizon` on: neither can belong to a day from `before` + 1 to `after` - 1 (see days_of)."""
    return (
        Attendance.objects.filter(
            Q(date__gt=before)
            | Q(time_in__gte=first_start)
            | Q(no_clock_out=False, time_out__isnull=True)
            | Q(no_clock_out=False, time_out__gt=first_start),
            Q(date__lt=after) | Q(time_in__lt=horizon),
            user_id__in=people_ids.among(ids),
            date__gte=before,
            date__lte=after,
        )
        .order_by("time_in")
        .values_list("user_id", "time_in", "time_out", "no_clock_out")
    )


# Compiled once (hms.prepared): every attendance screen reads these for a page of people.
_SOME_DAY, _NEXT_DAY = date(2000, 1, 1), date(2000, 1, 2)
_ROSTER = Prepared(_roster_rows, ids="0", first=_SOME_DAY, last=_NEXT_DAY)
_INTERVALS = Prepared(
    _interval_rows,
    ids="0",
    before=_SOME_DAY,
    after=_NEXT_DAY,
    first_start=datetime(2000, 1, 1, tzinfo=UTC),
    horizon=datetime(2000, 1, 2, tzinfo=UTC),
)


def roster_of(user_ids: Iterable[int], first: date, last: date) -> dict[int, dict[date, Rostered]]:
    """{user id: {date: Rostered}} from `first` to `last`: one query, compiled once."""
    found: dict[int, dict[date, Rostered]] = defaultdict(dict)
    shifts: dict[int, Rostered] = {}
    for row in _ROSTER.values(ids=people_ids.written(user_ids), first=first, last=last):
        rostered = shifts.get(row["shift_id"])
        if rostered is None:
            shift = Shift(
                id=row["shift_id"],
                name=row["shift__name"],
                starts_at=row["shift__starts_at"],
                ends_at=row["shift__ends_at"],
            )
            rostered = shifts[row["shift_id"]] = Rostered(shift, row["shift_id"])
        found[row["user_id"]][row["date"]] = rostered
    return found


def intervals_of(
    user_ids: Iterable[int], first: date, last: date, *, horizon: datetime | None = None
) -> dict[int, list[Interval]]:
    """{user id: [Interval]} that may belong to the days from `first` to `last`, earliest first:
    those begun on them, the day before's still going when `first` began (a night shift's
    morning), the day after's begun before `horizon` (the latest end of a shift on `last`; by
    default the end of the day after). One query, compiled once, read as plain values (a month
    of a page of people is ~200 rows; the day before's mostly ended the evening before: the
    team's day of a large hospital read ~580 where ~310 can count)."""
    before, after = first - timedelta(days=1), last + timedelta(days=1)
    if horizon is None:
        horizon = day_start(after + timedelta(days=1))
    found: dict[int, list[Interval]] = defaultdict(list)
    for row in _INTERVALS.values(
        ids=people_ids.written(user_ids),
        before=before,
        after=after,
        first_start=day_start(first),
        horizon=horizon,
    ):
        found[row["user_id"]].append(Interval(row["time_in"], row["time_out"], row["no_clock_out"]))
    return found


def days_of(
    user_ids: list[int],
    first: date,
    last: date,
    *,
    now: datetime | None = None,
    roster: dict[int, dict[date, Rostered]] | None = None,
    leave: dict[int, dict[date, leave_calendar.LeaveDay]] | None = None,
) -> dict[int, dict[date, Day]]:
    """Each person's matched days from `first` to `last` (hr.attendance_rules.match_days;
    dates within hms.params.FIRST_DAY..LAST_DAY, as every form and query reads them: the days
    either side are read too):
    three queries and the leave calendar's, whatever the number of people and days. A caller
    that shows the roster or the leave itself passes what it read (`roster`: roster_of from the
    day before `first` to `last`; `leave`: the leave calendar of `first` to `last`), so neither
    is read twice."""
    now = now or timezone.now()
    if roster is None:
        roster = roster_of(user_ids, first - timedelta(days=1), last)
    # Each shift's hours on each date, worked out once for everybody rostered on it.
    windows: dict[tuple[int, date], RosteredShift] = {}
    shifts_of = {}
    for user_id in user_ids:
        shifts = shifts_of[user_id] = {}
        entries = roster.get(user_id)
        if not entries:
            continue
        for day, entry in entries.items():
            rostered = windows.get((entry.shift_id, day))
            if rostered is None:
                shift = entry.shift
                rostered = windows[entry.shift_id, day] = RosteredShift(
                    shift.name, *shift.window(day)
                )
            shifts[day] = rostered
    # An interval begun the day after `last` belongs to a day until `last` only inside a shift
    # of theirs, so only when begun before the latest end of a shift on `last` (a night's).
    after_last = day_start(last + timedelta(days=1))
    horizon = max(
        (shift.end for (_, day), shift in windows.items() if day == last), default=after_last
    )
    intervals = intervals_of(user_ids, first, last, horizon=max(horizon, after_last))
    if leave is None:
        leave = leave_calendar.approved_leave_days(user_ids=user_ids, first=first, last=last)
    allowed, hospital_zone = grace(), zone()
    result = {}
    for user_id in user_ids:
        on_leave = leave.get(user_id)
        result[user_id] = attendance_rules.match_days(
            first=first,
            last=last,
            shifts=shifts_of[user_id],
            intervals=intervals.get(user_id, []),
            leave_types={day: taken.leave_type for day, taken in on_leave.items()}
            if on_leave
            else {},
            now=now,
            grace=allowed,
            zone=hospital_zone,
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
    """The first and last day of `month`'s month (counted, not stepped past: December 9999
    has a last day, though no day follows it)."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


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
    """This week and next of `user` (Monday first): [(date, Rostered or None, Day or None)]
    per week, for "My attendance"."""
    monday = today - timedelta(days=today.weekday())
    fortnight = [monday + timedelta(days=n) for n in range(14)]
    read = roster_of([user.pk], fortnight[0] - timedelta(days=1), fortnight[-1])
    matched = days_of([user.pk], fortnight[0], fortnight[-1], roster=read)[user.pk]
    roster = read.get(user.pk, {})
    rows = [(day, roster.get(day), matched.get(day)) for day in fortnight]
    return [rows[:7], rows[7:]]


MY_DAYS_PER_PAGE = 31

# My days: the dates I have intervals on, newest first (the page's rows plus one, to know
# whether there are more), and my intervals of a range of them; both compiled once.
_MY_DATES = Prepared(
    lambda user_id: (
        Attendance.objects.filter(user_id=user_id)
        .values_list("date", flat=True)
        .distinct()
        .order_by("-date")[: MY_DAYS_PER_PAGE + 1]
    ),
    user_id=0,
)
_MY_INTERVALS = Prepared(
    lambda user_id, first, last: (
        Attendance.objects.filter(user_id=user_id, date__gte=first, date__lte=last)
        .order_by("time_in")
        .values("date", "time_in", "time_out", "started_by", "ended_by", "no_clock_out")
    ),
    user_id=0,
    first=_SOME_DAY,
    last=_NEXT_DAY,
)


def my_dates(user):
    """The dates `user` has intervals on, newest first, and a way to read the first page of them
    (hms.paging.page_of's `first_rows`) by a query compiled once."""
    dates = (
        Attendance.objects.filter(user=user)
        .values_list("date", flat=True)
        .distinct()
        .order_by("-date")
    )
    return dates, lambda: [row["date"] for row in _MY_DATES.values(user_id=user.pk)]


class MyInterval(NamedTuple):
    """One of my intervals as "My days" shows it (read as plain values, not instances)."""

    time_in: datetime
    time_out: datetime | None
    started_by: str
    ended_by: str
    no_clock_out: bool


def my_days(user, dates: list[date], *, now: datetime | None = None) -> list[dict]:
    """Each of `dates` with `user`'s intervals begun that day and the day's worked time (their
    union; an interval still open counts until now): one query, compiled once. `dates` are a
    run of the dates `user` has intervals on (a page of my_dates): every interval from the
    first to the last of them begins on one of them."""
    now = now or timezone.now()
    if not dates:
        return []
    by_date: dict[date, list[MyInterval]] = defaultdict(list)
    for row in _MY_INTERVALS.values(user_id=user.pk, first=min(dates), last=max(dates)):
        by_date[row["date"]].append(
            MyInterval(
                row["time_in"],
                row["time_out"],
                row["started_by"],
                row["ended_by"],
                row["no_clock_out"],
            )
        )
    return [
        {
            "date": day,
            "intervals": by_date[day],
            "worked": attendance_rules.union_length(
                [Interval(r.time_in, r.time_out, r.no_clock_out).span(now) for r in by_date[day]]
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
    grid = []
    nothing: dict = {}
    for person, pk in zip(people, ids, strict=True):
        rostered, days_matched = entries.get(pk, nothing), matched[pk]
        # The cells as roster_cell makes them, written inline: a week of a page is 175 cells.
        cells = [
            {
                "person": person,
                "day": day,
                "entry": rostered.get(day),
                "matched": days_matched.get(day),
                "shifts": shifts,
            }
            for day in days
        ]
        grid.append((person, cells))
    return grid


def roster_cell(person, day: date, entry, matched, shifts) -> dict:
    return {"person": person, "day": day, "entry": entry, "matched": matched, "shifts": shifts}


def day_counts(days: list[Day]) -> dict[str, int]:
    """The team's day in figures: how many are in now, present, late, absent, on leave (and not
    in) and worked overtime, of the matched `days` (one per person)."""
    return {
        "in now": sum(d.still_in for d in days),
        "present": sum(d.present for d in days),
        "late": sum(d.late for d in days),
        "absent": sum(d.absent for d in days),
        "on leave": sum(d.on_leave and not d.present for d in days),
        "overtime": sum(bool(d.overtime) for d in days),
    }
