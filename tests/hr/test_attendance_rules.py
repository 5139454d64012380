"""Attendance matched to the roster (hr.attendance_rules), in the hospital's zone with a frozen
clock: present, late, early leave, absent, on leave, worked on a day off, overtime, and a night
shift counted to the date it starts, across midnight and across a month's end."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from hr.attendance_rules import Interval, RosteredShift, match_days, union_length

NAIROBI = ZoneInfo("Africa/Nairobi")
GRACE = timedelta(minutes=10)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NAIROBI)


def shift(day: date, start: int, end: int, name: str = "Morning") -> RosteredShift:
    end_day = day + timedelta(days=1) if end <= start else day
    return RosteredShift(name, at(day, start), at(end_day, end))


def match(day, shifts, intervals, *, leave=None, first=None, last=None):
    return match_days(
        first=first or day,
        last=last or day,
        shifts=shifts,
        intervals=intervals,
        leave_types=leave or {},
        now=timezone.now(),
        grace=GRACE,
        zone=NAIROBI,
    )


MONDAY = date(2026, 11, 23)


@time_machine.travel(datetime(2026, 11, 24, 9, tzinfo=NAIROBI), tick=False)
def test_on_time_and_until_the_end_is_present_with_nothing_else():
    (day,) = match(
        MONDAY, {MONDAY: shift(MONDAY, 7, 15)}, [Interval(at(MONDAY, 7, 5), at(MONDAY, 15, 5))]
    ).values()

    assert day.status == "present"
    assert (day.late, day.left_early, day.overtime) == (False, False, timedelta(0))
    assert day.worked == timedelta(hours=8)


@time_machine.travel(datetime(2026, 11, 24, 9, tzinfo=NAIROBI), tick=False)
def test_arriving_beyond_the_grace_is_late_within_it_is_not():
    late = match(
        MONDAY, {MONDAY: shift(MONDAY, 7, 15)}, [Interval(at(MONDAY, 7, 11), at(MONDAY, 15))]
    )
    on_time = match(
        MONDAY, {MONDAY: shift(MONDAY, 7, 15)}, [Interval(at(MONDAY, 7, 10), at(MONDAY, 15))]
    )

    assert late[MONDAY].late_by == timedelta(minutes=11) and "late" in late[MONDAY].status
    assert not on_time[MONDAY].late


@time_machine.travel(datetime(2026, 11, 24, 9, tzinfo=NAIROBI), tick=False)
def test_leaving_beyond_the_grace_before_the_end_is_early_leave():
    (day,) = match(
        MONDAY, {MONDAY: shift(MONDAY, 7, 15)}, [Interval(at(MONDAY, 7), at(MONDAY, 14, 30))]
    ).values()

    assert day.left_early_by == timedelta(minutes=30) and day.status == "present, left early"


@time_machine.travel(datetime(2026, 11, 23, 12, tzinfo=NAIROBI), tick=False)
def test_a_break_is_not_early_leave_while_the_shift_is_still_on():
    (day,) = match(
        MONDAY, {MONDAY: shift(MONDAY, 7, 15)}, [Interval(at(MONDAY, 7), at(MONDAY, 11, 30))]
    ).values()

    assert not day.left_early


def test_no_interval_once_the_grace_is_over_is_absent_before_it_is_not_yet():
    with time_machine.travel(at(MONDAY, 7, 5), tick=False):
        early = match(MONDAY, {MONDAY: shift(MONDAY, 7, 15)}, [])
    with time_machine.travel(at(MONDAY, 7, 11), tick=False):
        later = match(MONDAY, {MONDAY: shift(MONDAY, 7, 15)}, [])

    assert (early[MONDAY].status, later[MONDAY].status) == ("not yet", "absent")


@time_machine.travel(datetime(2026, 11, 24, 9, tzinfo=NAIROBI), tick=False)
def test_approved_leave_is_on_leave_not_absent():
    (day,) = match(
        MONDAY, {MONDAY: shift(MONDAY, 7, 15)}, [], leave={MONDAY: "Annual leave"}
    ).values()

    assert (day.absent, day.status) == (False, "on leave (Annual leave)")


@time_machine.travel(datetime(2026, 11, 24, 9, tzinfo=NAIROBI), tick=False)
def test_work_on_a_day_off_is_reported_and_counts_as_overtime():
    (day,) = match(MONDAY, {}, [Interval(at(MONDAY, 9), at(MONDAY, 13))]).values()

    assert day.status == "worked on a day off"
    assert day.overtime == timedelta(hours=4)


@time_machine.travel(datetime(2026, 11, 24, 9, tzinfo=NAIROBI), tick=False)
def test_overtime_is_time_outside_the_shift_once_beyond_the_grace():
    stayed_long = match(
        MONDAY, {MONDAY: shift(MONDAY, 7, 15)}, [Interval(at(MONDAY, 7), at(MONDAY, 16, 30))]
    )
    stayed_a_little = match(
        MONDAY, {MONDAY: shift(MONDAY, 7, 15)}, [Interval(at(MONDAY, 7), at(MONDAY, 15, 10))]
    )

    assert stayed_long[MONDAY].overtime == timedelta(minutes=90)
    assert stayed_a_little[MONDAY].overtime == timedelta(0)


@time_machine.travel(datetime(2026, 11, 24, 9, tzinfo=NAIROBI), tick=False)
def test_two_devices_at_once_count_once():
    intervals = [
        Interval(at(MONDAY, 7), at(MONDAY, 12)),
        Interval(at(MONDAY, 8), at(MONDAY, 15)),  # a second tablet
    ]

    (day,) = match(MONDAY, {MONDAY: shift(MONDAY, 7, 15)}, intervals).values()

    assert day.worked == timedelta(hours=8) == union_length([(i.start, i.end) for i in intervals])


@time_machine.travel(datetime(2026, 11, 25, 9, tzinfo=NAIROBI), tick=False)
def test_a_night_shift_counts_to_the_date_it_starts_with_its_overtime_across_midnight():
    tuesday = MONDAY + timedelta(days=1)
    night = shift(MONDAY, 19, 7, "Night")
    intervals = [Interval(at(MONDAY, 18, 55), at(tuesday, 8, 30))]

    days = match(MONDAY, {MONDAY: night}, intervals, last=tuesday)

    assert list(days) == [MONDAY]
    assert days[MONDAY].worked == timedelta(hours=13, minutes=35)
    assert days[MONDAY].overtime == timedelta(minutes=95)  # 5 before, 90 after
    assert not days[MONDAY].late


@time_machine.travel(datetime(2027, 2, 2, 9, tzinfo=NAIROBI), tick=False)
def test_a_night_shift_across_a_months_end_belongs_to_the_month_it_starts():
    jan_31, feb_1 = date(2027, 1, 31), date(2027, 2, 1)
    night = shift(jan_31, 19, 7, "Night")
    intervals = [
        Interval(at(jan_31, 19), at(jan_31, 23, 50)),
        Interval(at(feb_1, 0, 20), at(feb_1, 9)),  # back from a break after midnight
    ]

    january = match(jan_31, {jan_31: night}, intervals, first=date(2027, 1, 1), last=jan_31)
    february = match(feb_1, {jan_31: night}, intervals, first=feb_1, last=date(2027, 2, 28))

    assert january[jan_31].worked == timedelta(hours=13, minutes=30)
    assert january[jan_31].overtime == timedelta(hours=2)
    assert february == {}


@time_machine.travel(datetime(2026, 11, 23, 22, tzinfo=NAIROBI), tick=False)
def test_someone_still_signed_in_is_in_now_and_counts_until_now():
    (day,) = match(
        MONDAY, {MONDAY: shift(MONDAY, 19, 7, "Night")}, [Interval(at(MONDAY, 19), None)]
    ).values()

    assert day.still_in and day.status == "in now"
    assert day.worked == timedelta(hours=3) and not day.left_early
