"""Attendance: one click marks arrival, the next marks leaving; the server's clock decides."""

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from hms import audit
from hr.models import Attendance


class AttendanceError(Exception):
    """An attendance action that cannot be done, with the sentence the person reads."""


@transaction.atomic
def attendance_mark(*, user, request: HttpRequest | None = None) -> Attendance:
    now = timezone.now()
    today = timezone.localdate(now)
    record = Attendance.objects.select_for_update().filter(user=user, date=today).first()
    if record is None:
        try:
            with transaction.atomic():
                record = Attendance.objects.create(user=user, date=today, time_in=now)
        except IntegrityError:  # a double click from two tabs: the first one counted
            raise AttendanceError("Your arrival is already recorded.") from None
        action = "attendance.in"
    elif record.time_out is None:
        record.time_out = now
        record.save(update_fields=["time_out"])
        action = "attendance.out"
    else:
        raise AttendanceError(
            f"Today is already recorded: in {timezone.localtime(record.time_in):%H:%M},"
            f" out {timezone.localtime(record.time_out):%H:%M}."
        )
    audit.record(actor=user, action=action, obj=record, request=request)
    return record
