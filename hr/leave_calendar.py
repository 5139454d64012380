"""Who is on approved leave on which days: the one question attendance, the roster and the
monthly report ask of leave (hr.models.leave owns the requests)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from hms.prepared import Prepared
from hr import people_ids


@dataclass(frozen=True)
class LeaveDay:
    """One day of approved leave of one person.

    `leave_type` is the type's name as people read it ("Annual leave"); `part` is "day",
    "morning" or "afternoon" (clinical.day_parts); `fraction` is what the day costs the balance:
    Decimal("1"), Decimal("0.5"), or Decimal("0") for a weekend, holiday or closure day inside a
    leave counted in working days."""

    leave_type: str
    part: str
    fraction: Decimal


# What the calendar reads of each approved request: plain values, not instances (a month of a
# page of people is read on every attendance screen).
_FIELDS = (
    "user_id",
    "leave_type__name",
    "leave_type__counts",
    "start_date",
    "end_date",
    "starts_afternoon",
    "ends_morning",
)


def _approved(leave_request, status, first: date, last: date):
    return leave_request.objects.filter(
        status=status.APPROVED, start_date__lte=last, end_date__gte=first
    ).values(*_FIELDS)


def _approved_of(ids: str, first: date, last: date):
    from hr.models import LeaveRequest, LeaveStatus

    return _approved(LeaveRequest, LeaveStatus, first, last).filter(
        user_id__in=people_ids.among(ids)
    )


_APPROVED_OF = Prepared(_approved_of, ids="0", first=date(2000, 1, 1), last=date(2000, 1, 2))


def approved_leave_days(
    *, user_ids: Iterable[int] | None, first: date, last: date
) -> dict[int, dict[date, LeaveDay]]:
    """{user id: {date: LeaveDay}} for every day from `first` to `last` inclusive that falls in
    an approved (not cancelled) leave of those users (all users when `user_ids` is None).
    A constant number of queries whatever the number of people and days; the one of some
    users' leave is compiled once."""
    from hr import leave_days
    from hr.leave_selectors import off_days
    from hr.models import LeaveRequest, LeaveStatus

    if user_ids is None:
        requests = list(_approved(LeaveRequest, LeaveStatus, first, last))
    else:
        requests = _APPROVED_OF.values(ids=people_ids.written(user_ids), first=first, last=last)
    # The closure days only price leave days: a week nobody is on leave does not ask for them.
    closed = off_days(first, last) if requests else set()
    found: dict[int, dict[date, LeaveDay]] = {}
    for leave_request in requests:
        counts, name = leave_request["leave_type__counts"], leave_request["leave_type__name"]
        parts = leave_days.day_parts(
            leave_request["start_date"],
            leave_request["end_date"],
            starts_afternoon=leave_request["starts_afternoon"],
            ends_morning=leave_request["ends_morning"],
        )
        for day, part in parts:
            if first <= day <= last:
                found.setdefault(leave_request["user_id"], {})[day] = LeaveDay(
                    leave_type=name,
                    part=part,
                    fraction=leave_days.part_cost(day, part, counts=counts, off_days=closed),
                )
    return found
