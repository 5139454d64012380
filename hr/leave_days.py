"""Leave arithmetic: which half days a request covers, what it costs each year's balance, what
carries over. Pure functions of dates and sets of dates (no database): the services and
selectors load the hospital's closure days and call these.

Rules (Kenya's Employment Act 2007, s.28-30, and docs/DECISIONS.md "Leave"):
- a leave counted in working days costs nothing on a Saturday, a Sunday, a public holiday of
  settings.HMS_HOLIDAYS_COUNTRY / HMS_HOLIDAYS_SUBDIVISION, or a hospital closure day; a leave
  counted in calendar days costs every day;
- a half day (a start in the afternoon, an end at midday) costs 0.5;
- a request across 31 December is charged to each year's balance for its own days.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

import holidays
from django.conf import settings

DAY = "day"
MORNING = "morning"
AFTERNOON = "afternoon"
WORKING = "working"
CALENDAR = "calendar"
HALF = Decimal("0.5")
ONE = Decimal("1")
ZERO = Decimal("0")


def day_parts(
    start: date, end: date, *, starts_afternoon: bool = False, ends_morning: bool = False
) -> list[tuple[date, str]]:
    """(date, part) for every day from `start` to `end` inclusive: part "day", or "afternoon"
    for a start in the afternoon, "morning" for an end at midday. A one-day request is the
    whole day, its morning or its afternoon (not both flags: that is the whole day, said
    plainly; ValueError). ValueError when `end` is before `start`."""
    if end < start:
        raise ValueError("The leave ends before it starts.")
    if start == end and starts_afternoon and ends_morning:
        raise ValueError("An afternoon start and a morning end on one day cover nothing.")
    parts = []
    day = start
    while day <= end:
        part = DAY
        if day == start and starts_afternoon:
            part = AFTERNOON
        elif day == end and ends_morning:
            part = MORNING
        parts.append((day, part))
        day += timedelta(days=1)
    return parts


def halves(
    start: date, end: date, *, starts_afternoon: bool = False, ends_morning: bool = False
) -> tuple[int, int]:
    """The half days a request covers as [first, last) numbers (two per day: morning, then
    afternoon), so that a morning and an afternoon of the same day do not overlap."""
    first = start.toordinal() * 2 + (1 if starts_afternoon else 0)
    last = end.toordinal() * 2 + (1 if ends_morning else 2)
    return first, last


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two spans of half days (from `halves`) share any half day."""
    return a[0] < b[1] and b[0] < a[1]


@lru_cache(maxsize=64)
def _public_holidays(year: int, country: str, subdivision: str | None) -> dict[date, str]:
    return dict(holidays.country_holidays(country, subdiv=subdivision, years=year))


def public_holidays(first: date, last: date) -> dict[date, str]:
    """{date: name} of the public holidays from `first` to `last` inclusive, for the hospital's
    country and region (settings.HMS_HOLIDAYS_COUNTRY, HMS_HOLIDAYS_SUBDIVISION), as the
    `holidays` library knows them (observed days included, e.g. a Sunday holiday's Monday)."""
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        for day, name in _public_holidays(
            year, settings.HMS_HOLIDAYS_COUNTRY, settings.HMS_HOLIDAYS_SUBDIVISION
        ).items():
            if first <= day <= last:
                found[day] = name
    return found


def is_working_day(day: date, off_days: Iterable[date] | set[date]) -> bool:
    """A weekday that is neither a public holiday nor a closure day (both in `off_days`)."""
    return day.weekday() < 5 and day not in off_days


def part_cost(day: date, part: str, *, counts: str, off_days: set[date]) -> Decimal:
    """What one (date, part) costs the balance: 1, 0.5 for a half day, 0 for a day that is not
    worked anyway in a leave counted in working days."""
    if counts == WORKING and not is_working_day(day, off_days):
        return ZERO
    return ONE if part == DAY else HALF


def cost_by_year(
    parts: Iterable[tuple[date, str]], *, counts: str, off_days: set[date]
) -> dict[int, Decimal]:
    """{year: days} a request costs, each year charged for its own days (31 Dec to 2 Jan is
    charged partly to each year). Years whose days cost nothing are still listed (with 0) when
    the request has days in them."""
    by_year: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for day, part in parts:
        by_year[day.year] += part_cost(day, part, counts=counts, off_days=off_days)
    return dict(by_year)


def cost(parts: Iterable[tuple[date, str]], *, counts: str, off_days: set[date]) -> Decimal:
    """The days a request costs in all (the sum of `cost_by_year`)."""
    return sum(cost_by_year(parts, counts=counts, off_days=off_days).values(), ZERO)


def carried_over(*, entitlement: Decimal, taken: Decimal, limit: Decimal) -> Decimal:
    """Days carried into the next year: what was left of a year's own entitlement, at most
    `limit` (0 when nothing may be carried). Days carried in are not carried again (the Act,
    s.28(4): leave is to be taken within 18 months of the year it is earned)."""
    left = entitlement - taken
    return max(ZERO, min(left, limit))
