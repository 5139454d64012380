"""The arithmetic of attendance, pure (no database): the union of intervals, and a person's
intervals matched to their rostered shifts, day by day, in the hospital's time zone.

The rules (docs/DECISIONS.md, "Attendance, shifts and the roster"):
- a day's worked time is the union of its intervals: two tablets signed in at once count once;
- an interval belongs to the rostered shift whose hours it overlaps (the earlier one when it
  overlaps two), else to the date it starts on; so a night shift, 31 Jan 19:00 to 1 Feb 07:00,
  and everything worked in it belong to 31 January;
- late: the first arrival more than the grace after the shift's start;
- early leave: once the shift is over, the last departure more than the grace before its end;
- absent: no interval at all once the grace after the start has passed, and not on leave;
- overtime: time worked outside the rostered hours (before the start, after the end), counted
  whole once it is more than the grace, nothing within it; on a day off every hour worked is
  overtime ("worked on a day off").
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

Span = tuple[datetime, datetime]

NOTHING = timedelta(0)


# These run for every person's every day on each attendance screen (a month of a page of
# people is ~1,500 days): loops rather than generators, which cost a call an item.


def merged(spans: Iterable[Span]) -> list[Span]:
    """The union of `spans` as sorted, non-overlapping (start, end) pairs; empty ones dropped."""
    result: list[Span] = []
    for start, end in sorted([s for s in spans if s[1] > s[0]]):
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def _covered(spans: list[Span]) -> timedelta:
    """The length of spans that do not overlap (from `merged`)."""
    total = NOTHING
    for start, end in spans:
        total += end - start
    return total


def union_length(spans: Iterable[Span]) -> timedelta:
    """The time covered by at least one of `spans`: never counts two devices twice."""
    return _covered(merged(spans))


def overlap(spans: Iterable[Span], window: Span) -> timedelta:
    """The time of the union of `spans` that falls inside `window`."""
    low, high = window
    total = NOTHING
    for start, end in merged(spans):
        if end > low and start < high:
            total += (end if end < high else high) - (start if start > low else low)
    return total


@dataclass(frozen=True)
class Interval:
    """One interval of presence: `end` None while still in; `forgotten` for an arrival never
    clocked out (it proves presence but counts no time)."""

    start: datetime
    end: datetime | None
    forgotten: bool = False

    def span(self, now: datetime) -> Span:
        if self.forgotten:
            return (self.start, self.start)
        return (self.start, self.end if self.end is not None else max(now, self.start))


@dataclass(frozen=True)
class RosteredShift:
    name: str
    start: datetime
    end: datetime


@dataclass
class Day:
    """One person's day, matched: what the team screen, the roster and the report show."""

    date: date
    shift: RosteredShift | None = None
    leave_type: str = ""
    spans: list[Span] = field(default_factory=list)
    present: bool = False
    still_in: bool = False
    worked: timedelta = NOTHING
    overtime: timedelta = NOTHING
    late_by: timedelta = NOTHING
    left_early_by: timedelta = NOTHING
    absent: bool = False
    first_in: datetime | None = None
    last_out: datetime | None = None

    @property
    def late(self) -> bool:
        return self.late_by > NOTHING

    @property
    def left_early(self) -> bool:
        return self.left_early_by > NOTHING

    @property
    def on_leave(self) -> bool:
        return bool(self.leave_type)

    @property
    def worked_day_off(self) -> bool:
        return self.shift is None and self.present

    @property
    def status(self) -> str:
        """The day in a few words: "on leave (Annual leave)", "absent", "late", …"""
        if self.on_leave and not self.present:
            return f"on leave ({self.leave_type})"
        if self.absent:
            return "absent"
        if self.worked_day_off:
            return "worked on a day off"
        if self.present:
            words = ["in now" if self.still_in else "present"]
            if self.late:
                words.append("late")
            if self.left_early:
                words.append("left early")
            if self.overtime:
                words.append("overtime")
            return ", ".join(words)
        if self.shift is not None:
            return "not yet"
        return "day off"


def match_days(
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
    worked time, in date order; days off with nothing are left out.

    Only the dates something is known of are visited, and each interval's span is worked out
    once (a month of a page of people visited ~1,500 dates, three look-ups each)."""
    # By start: one shift a date, so no two start at once (the tuples never compare further).
    windows = sorted([(shift.start, day, shift) for day, shift in shifts.items()])
    by_date: dict[date, list[tuple[Interval, Span]]] = {}
    for interval in intervals:
        start = interval.start
        if interval.forgotten:
            end = start
        else:
            end = interval.end
            if end is None:
                end = now if now > start else start
        for _start, day, shift in windows:
            if start < shift.end and (end > shift.start or (start == end and start >= shift.start)):
                owner = day
                break
        else:
            owner = start.astimezone(zone).date()
        found = by_date.get(owner)
        if found is None:
            by_date[owner] = [(interval, (start, end))]
        else:
            found.append((interval, (start, end)))

    days: dict[date, Day] = {}
    for day in sorted({*shifts, *by_date, *leave_types}):
        if day < first or day > last:
            continue
        shift = shifts.get(day)
        own = by_date.get(day)
        leave_type = leave_types.get(day, "")
        if shift is not None or own or leave_type:
            days[day] = _match_one(day, shift, own or [], leave_type, now, grace)
    return days


def _match_one(
    day: date,
    shift: RosteredShift | None,
    own: list[tuple[Interval, Span]],
    leave_type: str,
    now: datetime,
    grace: timedelta,
) -> Day:
    """The day of `own` (each interval with its span, earliest first), as the rules say."""
    if not own:
        result = Day(date=day, shift=shift, leave_type=leave_type, spans=[])
        if shift is None:
            return result
        result.absent = not leave_type and now >= shift.start + grace
        return result
    spans = merged([span for _interval, span in own])
    result = Day(date=day, shift=shift, leave_type=leave_type, spans=spans)
    result.present = True
    worked = NOTHING
    for start, end in spans:
        worked += end - start
    result.worked = worked
    first_in, last_out, still_in = own[0][0].start, None, False
    for interval, _span in own:
        if interval.start < first_in:
            first_in = interval.start
        if interval.end is None:
            still_in = still_in or not interval.forgotten
        elif last_out is None or interval.end > last_out:
            last_out = interval.end
    result.first_in, result.still_in = first_in, still_in
    result.last_out = None if still_in else last_out
    if shift is None:
        result.overtime = worked if worked > grace else NOTHING
        return result
    if first_in > shift.start + grace:
        result.late_by = first_in - shift.start
    last_out = result.last_out
    if last_out is not None and now >= shift.end and last_out < shift.end - grace:
        result.left_early_by = shift.end - last_out
    # The spans are merged already: their time inside the shift is overlap()'s, read directly.
    low, high = shift.start, shift.end
    inside = NOTHING
    for start, end in spans:
        if end > low and start < high:
            inside += (end if end < high else high) - (start if start > low else low)
    outside = worked - inside
    result.overtime = outside if outside > grace else NOTHING
    return result
