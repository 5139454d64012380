"""A patient's age, the one way it is counted and written everywhere (screens and PDFs).

The rule staff read (the paediatric convention of writing a child's age in the unit that still
changes week to week, as on the WHO child growth charts and in the Harriet Lane Handbook):

- under one month: days ("1 day", "10 days");
- under three months: months and days ("1 month", "2 months 5 days");
- under two years: whole months ("12 months", "23 months");
- from two years: whole years ("2 years", "45 years").

A month or a year is complete on the same day of the month as the birth; when that month has no
such day (born on 31 January, or on 29 February in a year that is not a leap year) it is complete
on the first day of the next month, as `Patient.age_on` has always counted birthdays.
"""

from datetime import date, datetime

from django.utils import timezone


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def _month_anniversary(born: date, months: int) -> date:
    """The day `months` whole months after `born` are complete."""
    index = born.month - 1 + months
    year, month = born.year + index // 12, index % 12 + 1
    try:
        return date(year, month, born.day)
    except ValueError:  # no such day in that month: complete on the 1st of the next
        return date(year + month // 12, month % 12 + 1, 1)


def age_parts(born: date, on: date) -> tuple[int, int]:
    """(whole months, days beyond them) of a life from `born` to `on`; (0, 0) before birth."""
    if on <= born:
        return 0, 0
    months = (on.year - born.year) * 12 + on.month - born.month
    if _month_anniversary(born, months) > on:
        months -= 1
    return months, (on - _month_anniversary(born, months)).days


def age_in_days(born: date, on: date) -> int:
    """Days lived from `born` to `on` (0 on the day of birth): what lab age bands compare."""
    return max((on - born).days, 0)


def age_in_range_days(born: date, on: date) -> int:
    """Age in days as the lab's reference-range bands count it (lab.models.ReferenceRange):
    365 per completed year plus the days since the last birthday (or since birth), at most 364.

    Under one year this is the true number of days lived, so a neonate band of 0–28 days means
    exactly that; and a band bound of N × 365 days falls exactly on the Nth birthday, leap years
    or not, so bands written in whole years mean what they say."""
    if on <= born:
        return 0
    years = age_parts(born, on)[0] // 12
    since_birthday = (on - _month_anniversary(born, 12 * years)).days
    return 365 * years + min(since_birthday, 364)


def age_in_years(born: date, on: date) -> int:
    """Whole years lived from `born` to `on`."""
    return age_parts(born, on)[0] // 12


def age_text(born: date | None, on: date | datetime | None = None) -> str:
    """The age written for staff on `on` (a date, or an aware datetime read in the hospital's
    zone; today by default): "10 days", "2 months 5 days", "12 months", "1 year"… see the module."""
    if born is None:
        return ""
    if on is None:
        on = timezone.localdate()
    elif isinstance(on, datetime):
        on = timezone.localdate(on) if timezone.is_aware(on) else on.date()
    if on < born:
        return "not yet born"
    months, days = age_parts(born, on)
    if months == 0:
        return _plural((on - born).days, "day")
    if months < 3:
        return _plural(months, "month") + (f" {_plural(days, 'day')}" if days else "")
    if months < 24:
        return _plural(months, "month")
    return _plural(months // 12, "year")
