"""Doctors' schedules (admin): weekly blocks of bookable time and the days off that close them."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from clinical.models import (
    DoctorSchedule,
    ScheduleException,
)
from clinical.services.appointments import BookingError
from hms import audit, rbac


@transaction.atomic
def schedule_block_add(
    *,
    actor: User,
    doctor: User | None = None,
    weekday: int | None = None,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    slot_minutes: int = 15,
    consultation_fee: Decimal | None = None,
    request: HttpRequest | None = None,
) -> DoctorSchedule:
    """Add a weekly block of bookable time for a doctor, audited.

    Raises BookingError when the actor may not manage schedules or the block overlaps another block
    of the same doctor that day; django's ValidationError when a field fails validation.
    """
    if not rbac.allows(actor, "schedules.manage"):
        raise BookingError("Only an administrator sets doctors' schedules and days off.")
    block = DoctorSchedule(
        doctor=doctor,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        slot_minutes=slot_minutes,
        consultation_fee=consultation_fee,
    )
    block.full_clean()
    overlapping = DoctorSchedule.objects.filter(
        doctor=block.doctor,
        weekday=block.weekday,
        start_time__lt=block.end_time,
        end_time__gt=block.start_time,
    )
    if overlapping.exists():
        raise BookingError("This block overlaps another block of the same doctor on that day.")
    block.save()
    audit.record(
        actor=actor,
        action="schedule.add",
        obj=block,
        after=audit.snapshot(
            block,
            ["doctor", "weekday", "start_time", "end_time", "slot_minutes", "consultation_fee"],
        ),
        request=request,
    )
    return block


@transaction.atomic
def schedule_block_remove(
    *, actor: User, block: DoctorSchedule, request: HttpRequest | None = None
) -> None:
    """Future appointments already booked in the block stay booked; no new ones are offered.

    Raises BookingError when the actor may not manage schedules.
    """
    if not rbac.allows(actor, "schedules.manage"):
        raise BookingError("Only an administrator sets doctors' schedules and days off.")
    audit.record(
        actor=actor,
        action="schedule.remove",
        obj=block,
        before=audit.snapshot(block, ["doctor", "weekday", "start_time", "end_time"]),
        request=request,
    )
    block.delete()


@transaction.atomic
def schedule_exception_add(
    *,
    actor: User,
    doctor: User | None = None,
    date: datetime.date | None = None,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> ScheduleException:
    """Record a doctor's day (or hours) off, when no slots are offered, audited.

    Raises BookingError when the actor may not manage schedules, only one of start and end time is
    given, or the end is not after the start; django's ValidationError when a field fails
    validation.
    """
    if not rbac.allows(actor, "schedules.manage"):
        raise BookingError("Only an administrator sets doctors' schedules and days off.")
    exception = ScheduleException(
        doctor=doctor, date=date, start_time=start_time, end_time=end_time, reason=reason
    )
    if (exception.start_time is None) != (exception.end_time is None):
        raise BookingError("Give both a start and an end time, or neither for the whole day.")
    if exception.start_time and exception.end_time <= exception.start_time:
        raise BookingError("The end time must be after the start time.")
    exception.full_clean()
    exception.save()
    audit.record(
        actor=actor,
        action="schedule.exception_add",
        obj=exception,
        after={"date": exception.date, "reason": exception.reason},
        request=request,
    )
    return exception
