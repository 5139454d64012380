"""hr.attendance_rules.match_days visits only the dates something is known of and works out each
interval's span once: the days it matches are the same, field for field and in the same order,
as the rules' earlier code (kept here as it was) gave, for thousands of made-up people's weeks
and months: night shifts across the edges, intervals still open, never clocked out, of no
length, overlapping (two devices), before and after the range, leave with and without work."""

import random
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hr.attendance_rules import NOTHING, Day, Interval, RosteredShift, Span, match_days

NAIROBI = ZoneInfo("Africa/Nairobi")
GRACE = timedelta(minutes=10)
SHIFT_HOURS = [
    ("Morning", time(7), time(15)),
    ("Evening", time(15), time(23)),
    ("Night", time(19), time(7)),
]


# --- the rules' code as it was (hr/attendance_rules.py before the change) ---------------------


def old_merged(spans: Iterable[Span]) -> list[Span]:
    """The union of `spans` as sorted, non-overlapping (start, end) pairs; empty ones dropped."""
    result: list[Span] = []
    for start, end in sorted([s for s in spans if s[1] > s[0]]):
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def old_covered(spans: list[Span]) -> timedelta:
    """The length of spans that do not overlap (from `merged`)."""
    total = NOTHING
    for start, end in spans:
        total += end - start
    return total


def old_union_length(spans: Iterable[Span]) -> timedelta:
    """The time covered by at least one of `spans`: never counts two devices twice."""
    return old_covered(old_merged(spans))


def old_overlap(spans: Iterable[Span], window: Span) -> timedelta:
    """The time of the union of `spans` that falls inside `window`."""
    low, high = window
    total = NOTHING
    for start, end in old_merged(spans):
        if end > low and start < high:
            total += (end if end < high else high) - (start if start > low else low)
    return total


def old_match_days(
    *,
    first: date,
    last: date,
    shifts: Mapping[date, RosteredShift],
    intervals: Iterable[Interval],
    leave_types: Mapping[date, str],
    now: datetime,
    grace: timedelta,
    zone: ZoneInfo,
) -> dict[date, Day]:
    """One person's days from `first` to `last` (inclusive), matched.

    `shifts`: their rostered shift by the date it starts (pass the day before `first` too, so a
    night shift begun then keeps its morning); `intervals`: every interval that may touch those
    days (from the day before `first` to the day after `last`); `leave_types`: the leave type's
    name by date of approved leave. Returns a Day for every date that has a shift, leave or
    worked time; days off with nothing are left out."""
    windows = sorted(shifts.items(), key=lambda item: item[1].start)
    by_date: dict[date, list[Interval]] = {}
    for interval in intervals:
        start, end = interval.span(now)
        for day, shift in windows:
            if start < shift.end and (end > shift.start or (start == end and start >= shift.start)):
                owner = day
                break
        else:
            owner = start.astimezone(zone).date()
        by_date.setdefault(owner, []).append(interval)

    days: dict[date, Day] = {}
    day = first
    while day <= last:
        shift = shifts.get(day)
        own = by_date.get(day, [])
        leave_type = leave_types.get(day, "")
        if shift is not None or own or leave_type:
            days[day] = old_match_one(day, shift, own, leave_type, now, grace)
        day += timedelta(days=1)
    return days


def old_match_one(
    day: date,
    shift: RosteredShift | None,
    own: list[Interval],
    leave_type: str,
    now: datetime,
    grace: timedelta,
) -> Day:
    spans = old_merged([interval.span(now) for interval in own])
    result = Day(date=day, shift=shift, leave_type=leave_type, spans=spans)
    result.present = bool(own)
    result.worked = old_covered(spans)
    if own:
        first_in, last_out, still_in = own[0].start, None, False
        for interval in own:
            if interval.start < first_in:
                first_in = interval.start
            if interval.end is None:
                still_in = still_in or not interval.forgotten
            elif last_out is None or interval.end > last_out:
                last_out = interval.end
        result.first_in, result.still_in = first_in, still_in
        result.last_out = None if still_in else last_out
    if shift is None:
        result.overtime = result.worked if result.worked > grace else NOTHING
        return result
    if not own:
        result.absent = not leave_type and now >= shift.start + grace
        return result
    if result.first_in > shift.start + grace:
        result.late_by = result.first_in - shift.start
    if result.last_out is not None and now >= shift.end and result.last_out < shift.end - grace:
        result.left_early_by = shift.end - result.last_out
    outside = result.worked - old_overlap(spans, (shift.start, shift.end))
    result.overtime = outside if outside > grace else NOTHING
    return result


# --- made-up weeks and months ------------------------------------------------------------------


def _window(day: date, starts: time, ends: time) -> tuple[datetime, datetime]:
    start = datetime.combine(day, starts, tzinfo=NAIROBI)
    end_day = day + timedelta(days=1) if ends <= starts else day
    return start, datetime.combine(end_day, ends, tzinfo=NAIROBI)


def _person(rng: random.Random, first: date, last: date) -> dict:
    shifts = {}
    day = first - timedelta(days=1)
    while day <= last:
        if rng.random() < 0.6:
            name, starts, ends = rng.choice(SHIFT_HOURS)
            shifts[day] = RosteredShift(name, *_window(day, starts, ends))
        day += timedelta(days=1)
    intervals = []
    span_days = (last - first).days + 3
    for _ in range(rng.randrange(0, span_days * 2)):
        start = datetime.combine(
            first - timedelta(days=1) + timedelta(days=rng.randrange(span_days)),
            time(0),
            tzinfo=NAIROBI,
        ) + timedelta(minutes=rng.randrange(0, 24 * 60, 5))
        kind = rng.random()
        if kind < 0.08:
            intervals.append(Interval(start, None, True))  # never clocked out
        elif kind < 0.16:
            intervals.append(Interval(start, None))  # still in
        elif kind < 0.2:
            intervals.append(Interval(start, start))  # of no length
        else:
            intervals.append(Interval(start, start + timedelta(minutes=rng.randrange(1, 16 * 60))))
    intervals.sort(key=lambda interval: interval.start)
    leave_types = {}
    day = first - timedelta(days=2)
    while day <= last + timedelta(days=2):
        if rng.random() < 0.1:
            leave_types[day] = rng.choice(["Annual leave", "Sick leave", ""])
        day += timedelta(days=1)
    return {"shifts": shifts, "intervals": intervals, "leave_types": leave_types}


@pytest.mark.parametrize("seed", range(8))
def test_the_days_matched_are_those_the_earlier_code_matched(seed):
    rng = random.Random(seed)
    compared = 0
    for _ in range(250):
        first = date(2026, 11, 1) + timedelta(days=rng.randrange(60))
        last = first + timedelta(days=rng.choice([0, 0, 6, 13, 30]))
        person = _person(rng, first, last)
        now = datetime.combine(first, time(0), tzinfo=NAIROBI) + timedelta(
            minutes=rng.randrange(-24 * 60, ((last - first).days + 3) * 24 * 60, 7)
        )
        given = dict(first=first, last=last, now=now, grace=GRACE, zone=NAIROBI, **person)

        new, old = match_days(**given), old_match_days(**given)

        assert list(new) == list(old)
        assert new == old
        compared += len(new)
    assert compared > 1000


def test_every_kind_of_day_is_among_those_compared():
    rng = random.Random(0)
    seen = set()
    for _ in range(250):
        first = date(2026, 11, 1) + timedelta(days=rng.randrange(60))
        last = first + timedelta(days=rng.choice([0, 0, 6, 13, 30]))
        person = _person(rng, first, last)
        now = datetime.combine(last, time(12), tzinfo=NAIROBI)
        for day in match_days(
            first=first, last=last, now=now, grace=GRACE, zone=NAIROBI, **person
        ).values():
            seen.add(day.status.split(" (")[0])
            seen.update(
                k for k in ("late", "left early", "overtime") if getattr(day, k.replace(" ", "_"))
            )
    assert {
        "absent",
        "not yet",
        "worked on a day off",
        "on leave",
        "late",
        "left early",
        "overtime",
    } <= seen
