"""Doctors' schedules (admin): weekly blocks of bookable time and the days off that close them."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from clinical import live
from clinical.day_parts import DAY_PARTS, HALF_DAY_SPLIT
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

    Raises PermissionDenied when the actor's role may not manage schedules; BookingError when the
    block overlaps another block of the same doctor that day; django's ValidationError when a
    field fails validation.
    """
    if not rbac.allows(actor, "schedules.manage"):
        raise PermissionDenied("Only an administrator sets doctors' schedules and days off.")
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

    Raises PermissionDenied when the actor's role may not manage schedules.
    """
    if not rbac.allows(actor, "schedules.manage"):
        raise PermissionDenied("Only an administrator sets doctors' schedules and days off.")
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

    Raises PermissionDenied when the actor's role may not manage schedules; BookingError when only
    one of start and end time is given, or the end is not after the start; django's
    ValidationError when a field fails validation.
    """
    if not rbac.allows(actor, "schedules.manage"):
        raise PermissionDenied("Only an administrator sets doctors' schedules and days off.")
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


def _part_hours(part: str) -> tuple[datetime.time | None, datetime.time | None]:
    if part == "day":
        return None, None
    if part == "morning":
        return datetime.time(0, 0), HALF_DAY_SPLIT
    if part == "afternoon":
        return HALF_DAY_SPLIT, datetime.time(23, 59, 59)
    raise ValueError(f"A day part is one of {DAY_PARTS}, not {part!r}.")


def _check_may_close(actor: User, source: str, *, own: bool = False) -> None:
    """Leave's days off are set by an administrator and lifted by one or, `own`, by the doctor
    whose days they are (cancelling their own leave); they always name their leave.

    Raises PermissionDenied when the actor's role may do neither; BookingError for a missing or
    over-long `source`."""
    if not own and not (
        rbac.allows(actor, "schedules.manage") or rbac.allows(actor, "hr.approve_leave")
    ):
        raise PermissionDenied(
            "Only an administrator closes or reopens a doctor's hours for leave."
        )
    limit = ScheduleException._meta.get_field("source").max_length
    if not source or len(source) > limit:
        raise BookingError(
            f"Leave's days off name the leave they come from (1 to {limit} characters)."
        )


@transaction.atomic
def days_off_for_leave(
    *,
    actor: User,
    doctor: User,
    days: Iterable[tuple[datetime.date, str]],
    reason: str,
    source: str,
    request: HttpRequest | None = None,
) -> list[ScheduleException]:
    """Close a doctor's bookable hours for approved leave (called by hr when leave is approved;
    clinical never imports hr). `days` are (date, part) with part "day", "morning" (until
    HALF_DAY_SPLIT) or "afternoon" (from it); `source` names the leave ("leave:42") so that
    `days_off_for_leave_lifted` lifts exactly these. Appointments already booked on those hours
    stay booked: they are listed for the desk by `clinical.selectors.appointments_to_move`.

    Idempotent per (source, date, part). Returns the exceptions created (none for a member of
    staff who is not a doctor: they have no bookable hours). Audited once, when any were
    created; the desk's pages (the appointments to move) refresh live.
    Raises PermissionDenied when the actor's role may neither manage schedules nor approve leave;
    BookingError when `source` is empty or longer than the field; ValueError on an unknown part
    (before anything is written).
    """
    _check_may_close(actor, source)
    hours = [(day, *_part_hours(part)) for day, part in days]
    if doctor.role != rbac.DOCTOR:
        return []
    created = []
    for day, start_time, end_time in hours:
        exception, was_created = ScheduleException.objects.get_or_create(
            doctor=doctor,
            date=day,
            source=source,
            start_time=start_time,
            end_time=end_time,
            defaults={"reason": reason[:120]},
        )
        if was_created:
            created.append(exception)
    if created:
        live.to_move_changed()
        audit.record(
            actor=actor,
            action="schedule.leave_days_off",
            obj=doctor,
            after={"source": source, "days": [str(e.date) for e in created], "reason": reason},
            request=request,
        )
    return created


@transaction.atomic
def days_off_for_leave_lifted(
    *,
    actor: User,
    source: str,
    from_day: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> int:
    """Reopen the hours `days_off_for_leave` closed for `source` (the leave was cancelled), from
    `from_day` on when given (days already past stay as they were). Returns how many exceptions
    were lifted; audited when any were. The doctor whose days they are may lift them (they
    cancelled their own leave); otherwise raises PermissionDenied or BookingError as
    `days_off_for_leave` does.
    """
    lifted = ScheduleException.objects.filter(source=source)
    # Nothing closed for the leave (a doctor whose leave closed no hours) is the actor's own too:
    # cancelling it lifts nothing and is no one else's to refuse.
    own = not lifted.exclude(doctor_id=actor.pk).exists()
    _check_may_close(actor, source, own=own)
    if from_day is not None:
        lifted = lifted.filter(date__gte=from_day)
    days = sorted({str(day) for day in lifted.values_list("date", flat=True)})
    count, _ = lifted.delete()
    if count:
        live.to_move_changed()
        audit.record(
            actor=actor,
            action="schedule.leave_days_off_lifted",
            object_type="clinical.ScheduleException",
            object_id=source,
            after={"source": source, "days": days},
            request=request,
        )
    return count
