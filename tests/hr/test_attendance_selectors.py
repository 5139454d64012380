"""hr.attendance_selectors reads only the intervals that can belong to the days asked for (the
day before's that ended before the first day, the day after's begun after every night shift of
the last day are left out) and reads the roster as plain values: the matched days are the same
as matching every interval from the day before to the day after, as the rules define them."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hms import rbac
from hr import attendance_rules, attendance_selectors
from hr.attendance_rules import Interval, RosteredShift
from hr.models import Attendance, RosterEntry, Shift

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 12, 10, 12, tzinfo=NAIROBI)


def _at(day: date, hour: int, minute: int = 0, days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=days), time(hour, minute), tzinfo=NAIROBI)


def _every_day_matched(user_ids, first, last):
    """The rules applied to every interval begun from the day before to the day after."""
    result = {}
    for user_id in user_ids:
        shifts = {
            entry.date: RosteredShift(entry.shift.name, *entry.shift.window(entry.date))
            for entry in RosterEntry.objects.filter(
                user_id=user_id, date__gte=first - timedelta(days=1), date__lte=last
            )
        }
        intervals = [
            Interval(row.time_in, row.time_out, row.no_clock_out)
            for row in Attendance.objects.filter(
                user_id=user_id,
                date__gte=first - timedelta(days=1),
                date__lte=last + timedelta(days=1),
            ).order_by("time_in")
        ]
        result[user_id] = attendance_rules.match_days(
            first=first,
            last=last,
            shifts=shifts,
            intervals=intervals,
            leave_types={},
            now=NOW,
            grace=attendance_selectors.grace(),
            zone=NAIROBI,
        )
    return result


@pytest.fixture
def edges(make_user):
    """People whose intervals cross the edges of the days asked for, each way."""
    night, morning = Shift.objects.get(name="Night"), Shift.objects.get(name="Morning")
    people = [make_user(rbac.NURSE) for _ in range(6)]
    rostered = [
        (people[0], -1, night),  # Sunday night into Monday
        (people[0], 6, night),  # Sunday night, the last day, into the next Monday
        (people[1], 0, morning),
        (people[1], 6, morning),
        (people[2], 6, night),
        (people[4], 0, night),
    ]
    for person, offset, shift in rostered:
        RosterEntry.objects.create(user=person, date=MONDAY + timedelta(days=offset), shift=shift)
    sunday_before, monday_after = MONDAY - timedelta(days=1), MONDAY + timedelta(days=7)
    intervals = [
        (people[0], sunday_before, _at(sunday_before, 19), _at(MONDAY, 7, 10), False),
        (people[0], MONDAY + timedelta(days=6), _at(MONDAY, 19, days=6), _at(monday_after, 7)),
        (people[0], monday_after, _at(monday_after, 6, 30), _at(monday_after, 7, 30), False),
        # Ended before Monday began; ended at midnight exactly; never clocked out; still in.
        (people[1], sunday_before, _at(sunday_before, 9), _at(sunday_before, 17), False),
        (people[1], sunday_before, _at(sunday_before, 20), _at(MONDAY, 0), False),
        (people[2], sunday_before, _at(sunday_before, 22), None, True),
        (people[3], sunday_before, _at(sunday_before, 23), None, False),
        # The day after: inside the last night's shift, after it, and nobody's night.
        (people[2], monday_after, _at(monday_after, 1), _at(monday_after, 6), False),
        (people[2], monday_after, _at(monday_after, 9), _at(monday_after, 12), False),
        (people[1], monday_after, _at(monday_after, 0, 30), _at(monday_after, 2), False),
        # Arrived late in the evening for a night starting at 19:00 the day after.
        (people[4], sunday_before, _at(sunday_before, 23, 30), _at(MONDAY, 20), False),
        (people[5], MONDAY, _at(MONDAY, 10), _at(MONDAY, 16), False),
    ]
    for person, day, time_in, time_out, *forgotten in intervals:
        Attendance.objects.create(
            user=person,
            date=day,
            time_in=time_in,
            time_out=time_out,
            no_clock_out=bool(forgotten and forgotten[0]),
        )
    return [person.pk for person in people]


@pytest.mark.parametrize(
    ("first", "days"), [(MONDAY, 7), (MONDAY, 1), (MONDAY + timedelta(days=6), 1)]
)
def test_the_days_are_matched_as_from_every_interval_around_them(edges, first, days):
    last = first + timedelta(days=days - 1)

    matched = attendance_selectors.days_of(edges, first, last, now=NOW)

    assert matched == _every_day_matched(edges, first, last)
    assert any(matched.values())


def test_the_intervals_left_out_are_the_ones_that_cannot_count(edges):
    sunday_before, monday_after = MONDAY - timedelta(days=1), MONDAY + timedelta(days=7)
    horizon = _at(monday_after, 7)

    read = attendance_selectors.intervals_of(
        edges, MONDAY, MONDAY + timedelta(days=6), horizon=horizon
    )

    starts = sorted(interval.start for intervals in read.values() for interval in intervals)
    assert _at(sunday_before, 9) not in starts  # ended the evening before
    assert _at(sunday_before, 20) not in starts  # ended at midnight
    assert _at(sunday_before, 22) not in starts  # never clocked out
    assert _at(monday_after, 9) not in starts  # after every night shift had ended
    assert _at(sunday_before, 23) in starts  # still in
    assert _at(monday_after, 6, 30) in starts
    assert _at(monday_after, 0, 30) in starts


def test_the_roster_is_read_as_its_shifts(edges):
    read = attendance_selectors.roster_of(edges, MONDAY, MONDAY + timedelta(days=6))

    night = Shift.objects.get(name="Night")
    entry = read[edges[0]][MONDAY + timedelta(days=6)]
    assert entry.shift_id == night.pk
    assert (entry.shift.name, entry.shift.starts_at, entry.shift.ends_at) == (
        night.name,
        night.starts_at,
        night.ends_at,
    )
    assert MONDAY - timedelta(days=1) not in read[edges[0]]
