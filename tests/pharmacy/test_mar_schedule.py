"""When doses fall due and which shift they belong to: the ward's standard times in the hospital's
zone (Africa/Nairobi, UTC+3), a day shift 07:00–19:00 and a night shift across midnight."""

from datetime import timedelta

import pytest

from pharmacy import mar
from pharmacy.models import MedicationOrder
from tests.pharmacy.mar_rx import local


def order(frequency: str, start_at, **fields) -> MedicationOrder:
    return MedicationOrder(frequency=frequency, start_at=start_at, **fields)


def hours(times) -> list[str]:
    return [f"{t.astimezone(local(2026, 1, 1, 0).tzinfo):%d %H:%M}" for t in times]


def test_the_day_shift_runs_from_seven_to_seven():
    shift = mar.shift_at(local(2026, 11, 30, 7, 0))
    assert (shift.starts_at, shift.ends_at) == (local(2026, 11, 30, 7), local(2026, 11, 30, 19))
    assert shift.name == "Day shift 07:00–19:00"
    assert mar.shift_at(local(2026, 11, 30, 18, 59)) == shift


def test_the_night_shift_crosses_midnight_from_either_side():
    evening = mar.shift_at(local(2026, 11, 30, 23, 30))
    small_hours = mar.shift_at(local(2026, 12, 1, 3, 0))
    assert evening == small_hours
    assert (evening.starts_at, evening.ends_at) == (local(2026, 11, 30, 19), local(2026, 12, 1, 7))
    assert evening.name == "Night shift 19:00–07:00"
    assert small_hours.previous() == mar.shift_at(local(2026, 11, 30, 12))


def test_the_shift_starts_are_a_setting(settings):
    settings.HMS_WARD_SHIFT_STARTS = "08:00, 14:00,20:00"
    shift = mar.shift_at(local(2026, 11, 30, 21))
    assert (shift.starts_at, shift.ends_at) == (local(2026, 11, 30, 20), local(2026, 12, 1, 8))
    assert mar.shift_at(local(2026, 11, 30, 13, 59)).ends_at == local(2026, 11, 30, 14)


def test_four_times_daily_in_the_night_shift_includes_midnight_and_six():
    night = mar.shift_at(local(2026, 11, 30, 22))
    doses = mar.due_times(order("qds", local(2026, 11, 29, 9)), night.starts_at, night.ends_at)
    assert hours(doses) == ["01 00:00", "01 06:00"]


def test_three_times_daily_over_a_day_and_a_night():
    start = local(2026, 11, 30, 7)
    tds = order("tds", local(2026, 11, 30, 5))
    assert hours(mar.due_times(tds, start, start + timedelta(hours=12))) == ["30 14:00"]
    assert hours(mar.due_times(tds, start + timedelta(hours=12), start + timedelta(days=1))) == [
        "30 22:00",
        "01 06:00",
    ]


def test_a_dose_at_the_shift_boundary_belongs_to_the_shift_it_starts():
    # Once daily at 08:00 with the day shift starting at 08:00: the dose is the day's, not the
    # night's (a shift is [start, end)).
    od = order("od", local(2026, 11, 29, 0))
    day = mar.Shift(local(2026, 11, 30, 8), local(2026, 11, 30, 20))
    night = mar.Shift(local(2026, 11, 29, 20), local(2026, 11, 30, 8))
    assert hours(mar.due_times(od, day.starts_at, day.ends_at)) == ["30 08:00"]
    assert mar.due_times(od, night.starts_at, night.ends_at) == []


def test_doses_fall_from_the_start_and_stop_at_the_planned_stop_or_the_doctors_stop():
    night = mar.Shift(local(2026, 11, 30, 19), local(2026, 12, 1, 7))
    late_start = order("qds", local(2026, 11, 30, 23, 30))
    assert hours(mar.due_times(late_start, night.starts_at, night.ends_at)) == [
        "01 00:00",
        "01 06:00",
    ]
    planned = order("qds", local(2026, 11, 29, 0), stop_at=local(2026, 12, 1, 6))
    assert hours(mar.due_times(planned, night.starts_at, night.ends_at)) == ["01 00:00"]
    stopped = order("qds", local(2026, 11, 29, 0), stopped_at=local(2026, 11, 30, 23, 59))
    assert mar.due_times(stopped, night.starts_at, night.ends_at) == []


def test_every_eight_hours_counts_from_the_order_start_across_midnight():
    q8h = order("q8h", local(2026, 11, 30, 17, 30))
    night = mar.Shift(local(2026, 11, 30, 19), local(2026, 12, 1, 7))
    assert hours(mar.due_times(q8h, night.starts_at, night.ends_at)) == ["01 01:30"]
    day = mar.Shift(local(2026, 12, 1, 7), local(2026, 12, 1, 19))
    assert hours(mar.due_times(q8h, day.starts_at, day.ends_at)) == ["01 09:30", "01 17:30"]


@pytest.mark.parametrize(
    ("frequency", "expected"),
    [
        ("od", ["30 08:00"]),
        ("bd", ["30 08:00", "30 20:00"]),
        ("nocte", ["30 22:00"]),
        ("stat", ["30 00:30"]),
        ("q12h", ["30 00:30", "30 12:30"]),
        ("prn", []),
    ],
)
def test_each_frequency_over_one_local_day(frequency, expected):
    prescribed = order(frequency, local(2026, 11, 30, 0, 30))
    found = mar.due_times(prescribed, local(2026, 11, 30, 0), local(2026, 12, 1, 0))
    assert hours(found) == expected


def test_a_dose_is_overdue_after_the_setting(settings):
    due = local(2026, 11, 30, 14)
    assert not mar.is_overdue(due, local(2026, 11, 30, 15))
    assert mar.is_overdue(due, local(2026, 11, 30, 15, 1))
    settings.HMS_MAR_OVERDUE_MINUTES = 30
    assert mar.is_overdue(due, local(2026, 11, 30, 14, 31))
