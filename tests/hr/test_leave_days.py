"""Leave arithmetic (hr.leave_days): working against calendar days, public holidays, closure
days, half days, carry-over and a request across 31 December."""

from datetime import date
from decimal import Decimal

import pytest

from hr import leave_days
from hr.leave_days import AFTERNOON, CALENDAR, DAY, MORNING, WORKING


def _cost(start, end, counts=WORKING, off=(), **halves):
    parts = leave_days.day_parts(start, end, **halves)
    return leave_days.cost(parts, counts=counts, off_days=set(off))


def test_a_week_from_monday_to_sunday_is_five_working_days_or_seven_calendar_days():
    monday, sunday = date(2026, 11, 16), date(2026, 11, 22)

    assert _cost(monday, sunday) == 5
    assert _cost(monday, sunday, counts=CALENDAR) == 7


def test_kenyas_public_holidays_are_not_working_days(settings):
    settings.HMS_HOLIDAYS_COUNTRY, settings.HMS_HOLIDAYS_SUBDIVISION = "KE", None

    found = leave_days.public_holidays(date(2026, 12, 1), date(2026, 12, 31))

    # Jamhuri Day (Sat 12 Dec), Christmas (Fri 25), Boxing Day (Sat 26).
    assert {date(2026, 12, 12), date(2026, 12, 25), date(2026, 12, 26)} <= set(found)
    # Mon 21 to Fri 25 Dec: Christmas Day is not charged.
    assert _cost(date(2026, 12, 21), date(2026, 12, 25), off=found) == 4


def test_a_closure_day_is_not_charged_in_working_days_but_is_in_calendar_days():
    closure = date(2026, 11, 18)  # a Wednesday

    assert _cost(date(2026, 11, 16), date(2026, 11, 20), off=[closure]) == 4
    assert _cost(date(2026, 11, 16), date(2026, 11, 20), counts=CALENDAR, off=[closure]) == 5


def test_half_days_at_either_end_cost_half():
    assert _cost(date(2026, 11, 16), date(2026, 11, 20), starts_afternoon=True) == Decimal("4.5")
    assert _cost(
        date(2026, 11, 16), date(2026, 11, 20), starts_afternoon=True, ends_morning=True
    ) == Decimal("4")
    assert _cost(date(2026, 11, 16), date(2026, 11, 16), ends_morning=True) == Decimal("0.5")


def test_a_one_day_request_is_the_day_its_morning_or_its_afternoon():
    day = date(2026, 11, 16)

    assert leave_days.day_parts(day, day) == [(day, DAY)]
    assert leave_days.day_parts(day, day, ends_morning=True) == [(day, MORNING)]
    assert leave_days.day_parts(day, day, starts_afternoon=True) == [(day, AFTERNOON)]
    with pytest.raises(ValueError):
        leave_days.day_parts(day, day, starts_afternoon=True, ends_morning=True)


def test_an_end_before_the_start_is_no_request():
    with pytest.raises(ValueError):
        leave_days.day_parts(date(2026, 11, 20), date(2026, 11, 16))


def test_a_half_day_on_a_weekend_costs_nothing_in_working_days():
    saturday = date(2026, 11, 21)

    assert _cost(saturday, saturday, starts_afternoon=True) == 0
    assert _cost(saturday, saturday, counts=CALENDAR, starts_afternoon=True) == Decimal("0.5")


def test_a_request_across_new_year_is_charged_to_each_years_balance(settings):
    # Mon 29 Dec 2025 to Fri 2 Jan 2026; 1 Jan is New Year's Day.
    parts = leave_days.day_parts(date(2025, 12, 29), date(2026, 1, 2))
    off = set(leave_days.public_holidays(date(2025, 12, 29), date(2026, 1, 2)))

    by_year = leave_days.cost_by_year(parts, counts=WORKING, off_days=off)

    assert by_year == {2025: Decimal("3"), 2026: Decimal("1")}


def test_a_morning_and_an_afternoon_of_one_day_do_not_overlap_a_whole_day_overlaps_both():
    day = date(2026, 11, 16)
    morning = leave_days.halves(day, day, ends_morning=True)
    afternoon = leave_days.halves(day, day, starts_afternoon=True)
    whole = leave_days.halves(day, day)
    week_from_afternoon = leave_days.halves(day, date(2026, 11, 20), starts_afternoon=True)

    assert not leave_days.overlaps(morning, afternoon)
    assert leave_days.overlaps(whole, morning) and leave_days.overlaps(whole, afternoon)
    assert not leave_days.overlaps(morning, week_from_afternoon)
    assert leave_days.overlaps(afternoon, week_from_afternoon)


@pytest.mark.parametrize(
    ("entitlement", "taken", "limit", "carried"),
    [
        ("21", "10", "10", "10"),  # 11 left, at most 10 carried
        ("21", "15", "10", "6"),  # 6 left, all carried
        ("21", "21", "10", "0"),
        ("21", "25", "10", "0"),  # never negative
        ("21", "0", "0", "0"),  # a type that carries nothing
        ("21", "20.5", "10", "0.5"),
    ],
)
def test_carry_over_is_what_was_left_at_most_the_limit(entitlement, taken, limit, carried):
    assert leave_days.carried_over(
        entitlement=Decimal(entitlement), taken=Decimal(taken), limit=Decimal(limit)
    ) == Decimal(carried)
