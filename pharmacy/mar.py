"""The medication administration record's clock: the ward's nursing shifts and the times an
inpatient medication order falls due, in the hospital's time zone (settings.TIME_ZONE).

Shifts start at HMS_WARD_SHIFT_STARTS (default "07:00,19:00": a day shift 07:00–19:00 and a night
shift 19:00–07:00 across midnight). A fixed-time frequency falls at the ward's standard times
(pharmacy.models.DOSE_TIMES) on every local day; an "every N hours" one every N hours from the
order's start; "once only" at the start; PRN never. A dose falls due from the order's start
(inclusive) to the earlier of its planned stop and the doctor's stop (exclusive).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from pharmacy.models import DOSE_INTERVAL_HOURS, DOSE_TIMES, DoseFrequency, MedicationOrder


@dataclass(frozen=True)
class Shift:
    """One nursing shift: [starts_at, ends_at) as aware datetimes, and its name ("Day 07:00")."""

    starts_at: datetime
    ends_at: datetime

    @property
    def name(self) -> str:
        local = timezone.localtime(self.starts_at)
        period = "Day" if 6 <= local.hour < 18 else "Night"
        return f"{period} shift {local:%H:%M}–{timezone.localtime(self.ends_at):%H:%M}"

    def previous(self) -> "Shift":
        return shift_at(self.starts_at - timedelta(seconds=1))


def shift_starts() -> list[time]:
    """The local start times of the shifts, sorted (HMS_WARD_SHIFT_STARTS)."""
    starts = []
    for text in str(settings.HMS_WARD_SHIFT_STARTS).split(","):
        try:
            starts.append(time.fromisoformat(text.strip()))
        except ValueError:
            raise ImproperlyConfigured(
                "HMS_WARD_SHIFT_STARTS must be local times HH:MM separated by commas."
            ) from None
    if not starts:
        raise ImproperlyConfigured("HMS_WARD_SHIFT_STARTS names no shift.")
    return sorted(set(starts))


def _local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at), timezone.get_current_timezone())


def shift_at(moment: datetime | None = None) -> Shift:
    """The shift `moment` (default now) falls in: from the latest shift start at or before it to
    the next start (the last shift of a day ends at the next day's first start)."""
    moment = moment or timezone.now()
    local_day = timezone.localtime(moment).date()
    candidates = [
        _local(local_day + timedelta(days=offset), at)
        for offset in (-1, 0, 1)
        for at in shift_starts()
    ]
    starts_at = max(start for start in candidates if start <= moment)
    ends_at = min(start for start in candidates if start > starts_at)
    return Shift(starts_at=starts_at, ends_at=ends_at)


def due_times(
    order: MedicationOrder,
    starts_at: datetime,
    ends_at: datetime,
    *,
    admitted_at: datetime | None = None,
) -> list[datetime]:
    """The times doses of `order` fall due in [starts_at, ends_at), oldest first (aware, UTC).
    Empty for a PRN order. With `admitted_at` (the stay's admission), none before it: an order
    written before session 33 may start earlier, and no dose was due before the patient came."""
    begin = max(starts_at, order.start_at)
    if admitted_at is not None:
        begin = max(begin, admitted_at)
    end = ends_at if order.ends_at is None else min(ends_at, order.ends_at)
    if begin >= end or order.frequency == DoseFrequency.PRN:
        return []
    if order.frequency == DoseFrequency.ONCE:
        return [order.start_at] if begin <= order.start_at < end else []
    if order.frequency in DOSE_INTERVAL_HOURS:
        step = timedelta(hours=DOSE_INTERVAL_HOURS[order.frequency])
        count = max(0, -(-(begin - order.start_at) // step))  # ceil of whole steps
        found = []
        due = order.start_at + count * step
        while due < end:
            found.append(due)
            due += step
        return found
    times = [time(hour, minute) for hour, minute in DOSE_TIMES[order.frequency]]
    first = timezone.localtime(begin).date()
    last = timezone.localtime(end).date()
    found = []
    day = first
    while day <= last:
        for at in times:
            due = _local(day, at)
            if begin <= due < end:
                found.append(due)
        day += timedelta(days=1)
    return sorted(found)


def overdue_after() -> timedelta:
    """How long after its time a dose with nothing recorded counts as overdue."""
    return timedelta(minutes=settings.HMS_MAR_OVERDUE_MINUTES)


def is_overdue(due_at: datetime, now: datetime | None = None) -> bool:
    """Whether a dose due at `due_at`, with nothing recorded, is overdue at `now`."""
    return due_at + overdue_after() < (now or timezone.now())
