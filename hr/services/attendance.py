"""Attendance: one click marks arrival, the next marks leaving; the server's clock decides."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from hms import audit
from hms.refusals import Refusal
from hr.models import Attendance

__all__ = ["AttendanceError", "attendance_mark"]

# A second click this soon after clocking out is a repeated tap, not a new arrival.
REPEAT_TAP = timedelta(minutes=2)


class AttendanceError(Refusal):
    """An attendance action that cannot be done, with the sentence the person reads."""


def _at(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


@transaction.atomic
def attendance_mark(*, user: User, request: HttpRequest | None = None) -> Attendance:
    """One click of the attendance button, by the server's clock, in the hospital's zone.

    - An open attendance that began at most HMS_ATTENDANCE_MAX_SHIFT_HOURS hours ago is closed:
      this click is the departure, across midnight too (in 18:30, out 07:10 the next morning).
    - An open attendance older than that is left flagged "no clock-out" (audited) and this click
      is a new arrival; the returned record's `left_open` names the flagged one.
    - Otherwise the click is an arrival: one a calendar day (the day of arrival).

    Returns the attendance the click arrived or left on; `left_open` is set on it (None or the
    earlier attendance flagged by this click).

    Raises AttendanceError when today's arrival or departure is already recorded, or a tap comes a
    moment after clocking out.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    longest = timedelta(hours=settings.HMS_ATTENDANCE_MAX_SHIFT_HOURS)
    still_open = (
        Attendance.objects.select_for_update()
        .filter(user=user, time_out__isnull=True, no_clock_out=False)
        .order_by("-time_in")
        .first()
    )
    left_open = None
    if still_open is not None:
        if now - still_open.time_in <= longest:
            still_open.time_out = now
            still_open.save(update_fields=["time_out"])
            audit.record(actor=user, action="attendance.out", obj=still_open, request=request)
            still_open.left_open = None
            return still_open
        if still_open.date == today:
            raise AttendanceError(
                f"You arrived at {_at(still_open.time_in)} today, more than"
                f" {settings.HMS_ATTENDANCE_MAX_SHIFT_HOURS} hours ago, so this click is not taken"
                " as your departure. Ask your manager to correct today's record."
            )
        still_open.no_clock_out = True
        still_open.save(update_fields=["no_clock_out"])
        audit.record(
            actor=user,
            action="attendance.no_clock_out",
            obj=still_open,
            before={"no_clock_out": False},
            after={"no_clock_out": True},
            request=request,
        )
        left_open = still_open
    recorded = Attendance.objects.filter(user=user, date=today).first()
    if recorded is not None:
        raise AttendanceError(
            f"Today is already recorded: in {_at(recorded.time_in)}, out {_at(recorded.time_out)}."
            if recorded.time_out
            else f"Today's arrival at {_at(recorded.time_in)} is already recorded."
        )
    last_out = (
        Attendance.objects.filter(user=user, time_out__isnull=False).order_by("-time_out").first()
    )
    if last_out is not None and now - last_out.time_out < REPEAT_TAP:
        raise AttendanceError(
            f"You clocked out at {_at(last_out.time_out)} a moment ago; that tap was not taken as"
            " a new arrival."
        )
    try:
        with transaction.atomic():
            record = Attendance.objects.create(user=user, date=today, time_in=now)
    except IntegrityError:  # a double click from two tabs: the first one counted
        raise AttendanceError("Your arrival is already recorded.") from None
    audit.record(actor=user, action="attendance.in", obj=record, request=request)
    record.left_open = left_open
    return record
