"""Shifts and the roster: defining shifts, assigning people to them by date (a cell, a copy of
last week, a department over a range of dates). Every action is the administrator's
(hr.approve_leave: "approve leave, run the roster, see team attendance"), audited, and safe to
repeat: one shift per person per date is the database's rule, and a repeat changes nothing.
Another role gets PermissionDenied from each of them (403, nothing changed)."""

from collections.abc import Iterable
from datetime import date, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Department, User
from hms import audit, rbac, submissions
from hms.locking import locked
from hms.refusals import Refusal
from hr.models import RosterEntry, Shift

__all__ = [
    "RosterError",
    "roster_assign",
    "roster_assign_department",
    "roster_copy_week",
    "roster_unassign",
    "roster_window",
    "rosterable_staff",
    "shift_save",
]

# A range assigned at once: a quarter at most, so a typo in a year cannot roster ten years.
LONGEST_RANGE_DAYS = 92
# The dates a shift is set on: up to a year back (a correction the monthly report reads) and a
# year ahead (planning). A shift in 1900 or in 2099 is a slip of the keyboard, not a roster.
ROSTER_DAYS_BACK = 366
ROSTER_DAYS_AHEAD = 366


class RosterError(Refusal):
    """A roster action that cannot be done, with the sentence the administrator reads."""


def _check(actor: User) -> None:
    """Raises PermissionDenied unless the actor's role runs the roster."""
    if not rbac.allows(actor, "hr.approve_leave"):
        raise PermissionDenied("Only the administrator runs the roster.")


def rosterable_staff():
    """The people a roster holds: active staff with their own attendance (hr.self_service, so
    not patients and not the administrator account), by name."""
    return User.objects.filter(is_active=True, role__in=list(rbac.MATRIX["hr.self_service"]))


def _today() -> date:
    return timezone.localdate()


def roster_window(today: date | None = None) -> tuple[date, date]:
    """The first and last date a shift may be set on, seen from `today` (the hospital's)."""
    today = today or _today()
    return today - timedelta(days=ROSTER_DAYS_BACK), today + timedelta(days=ROSTER_DAYS_AHEAD)


def _within_window(*days: date, field: str) -> None:
    """Raises RosterError (beside `field`) unless every one of `days` is in roster_window()."""
    first, last = roster_window()
    if not all(first <= day <= last for day in days):
        raise RosterError(
            f"Enter a date from {first:%-d %b %Y} to {last:%-d %b %Y}: the roster is set up to"
            " a year back and a year ahead.",
            field=field,
        )


def _rosterable(user: User) -> None:
    if not rosterable_staff().filter(pk=user.pk).exists():
        raise RosterError(f"{user.get_full_name() or user.username} is not rostered staff.")


@transaction.atomic
@submissions.once("shift.save")
def shift_save(
    *,
    actor: User,
    name: str,
    starts_at: time,
    ends_at: time,
    shift: Shift | None = None,
    request=None,
) -> Shift:
    """Define a shift, or change one (`shift`): its name and hours. An end at or before the
    start crosses midnight (Night 19:00–07:00). Dates already rostered keep the shift and take
    its new hours. Raises RosterError for a name already used or a shift with no length."""
    _check(actor)
    name = name.strip()
    if starts_at == ends_at:
        raise RosterError("A shift must end at another time than it starts.", field="ends_at")
    if Shift.objects.filter(name__iexact=name).exclude(pk=getattr(shift, "pk", None)).exists():
        raise RosterError(f"There is already a shift called “{name}”.", field="name")
    before = None
    if shift is None:
        shift = Shift(name=name, starts_at=starts_at, ends_at=ends_at)
    else:
        shift = locked(Shift.objects).get(pk=shift.pk)
        before = {"name": shift.name, "starts": str(shift.starts_at), "ends": str(shift.ends_at)}
        shift.name, shift.starts_at, shift.ends_at = name, starts_at, ends_at
    shift.full_clean()
    shift.save()
    after = {"name": shift.name, "starts": str(shift.starts_at), "ends": str(shift.ends_at)}
    audit.record(
        actor=actor, action="shift.save", obj=shift, before=before, after=after, request=request
    )
    return shift


def _put(*, actor: User, user: User, day: date, shift: Shift, request=None) -> bool:
    """Roster `user` on `shift` on `day`; True when that changed anything."""
    entry = locked(RosterEntry.objects).filter(user=user, date=day).first()
    if entry is not None and entry.shift_id == shift.pk:
        return False
    before = {"shift": entry.shift.name} if entry is not None else None
    if entry is None:
        try:
            with transaction.atomic():
                entry = RosterEntry.objects.create(user=user, date=day, shift=shift)
        except IntegrityError:  # the same cell set from two screens at once
            entry = locked(RosterEntry.objects).get(user=user, date=day)
            if entry.shift_id == shift.pk:
                return False
    if entry.shift_id != shift.pk:
        entry.shift = shift
        entry.save(update_fields=["shift"])
    audit.record(
        actor=actor,
        action="roster.assign",
        obj=entry,
        before=before,
        after={"user": user.username, "date": day.isoformat(), "shift": shift.name},
        request=request,
    )
    return True


@transaction.atomic
def roster_assign(*, actor: User, user: User, day: date, shift: Shift, request=None) -> RosterEntry:
    """Put `user` on `shift` on `day` (the date the shift starts), replacing another shift of
    that date: one shift per person per date. Setting what is already set changes nothing.
    Raises RosterError for someone who is not rostered staff or a date outside
    roster_window()."""
    _check(actor)
    _within_window(day, field="day")
    _rosterable(user)
    _put(actor=actor, user=user, day=day, shift=shift, request=request)
    return RosterEntry.objects.select_related("shift").get(user=user, date=day)


@transaction.atomic
def roster_unassign(*, actor: User, user: User, day: date, request=None) -> bool:
    """Take `user` off the roster on `day` (a day off). Returns whether there was a shift."""
    _check(actor)
    entry = locked(RosterEntry.objects, deleting=True).filter(user=user, date=day).first()
    if entry is None:
        return False
    audit.record(
        actor=actor,
        action="roster.unassign",
        obj=entry,
        before={"user": user.username, "date": day.isoformat(), "shift": entry.shift.name},
        request=request,
    )
    entry.delete()
    return True


def _people(department: Department | None) -> Iterable[User]:
    people = rosterable_staff()
    return people.filter(department=department) if department is not None else people


@transaction.atomic
@submissions.once("roster.copy_week")
def roster_copy_week(
    *, actor: User, week_start: date, department: Department | None = None, request=None
) -> int:
    """Copy the week before `week_start` (a Monday) onto the week starting then, for the
    department's staff (everyone's when None). A cell already set this week is kept: copying
    twice changes nothing. Returns how many cells were filled. Raises RosterError for a week
    that does not start on a Monday or has a date outside roster_window()."""
    _check(actor)
    if week_start.weekday() != 0:
        raise RosterError("A roster week starts on a Monday.")
    _within_window(week_start, week_start + timedelta(days=6), field="week")
    people = list(_people(department).values_list("pk", flat=True))
    last_week = RosterEntry.objects.filter(
        user_id__in=people, date__gte=week_start - timedelta(days=7), date__lt=week_start
    ).select_related("user", "shift")
    taken = set(
        RosterEntry.objects.filter(
            user_id__in=people, date__gte=week_start, date__lt=week_start + timedelta(days=7)
        ).values_list("user_id", "date")
    )
    filled = 0
    for entry in last_week:
        day = entry.date + timedelta(days=7)
        if (entry.user_id, day) not in taken:
            filled += _put(
                actor=actor, user=entry.user, day=day, shift=entry.shift, request=request
            )
    audit.record(
        actor=actor,
        action="roster.copy_week",
        after={
            "week": week_start.isoformat(),
            "department": department.name if department else "all",
            "filled": filled,
        },
        request=request,
    )
    return filled


@transaction.atomic
@submissions.once("roster.assign_department")
def roster_assign_department(
    *,
    actor: User,
    department: Department,
    shift: Shift,
    first: date,
    last: date,
    request=None,
) -> int:
    """Put every rostered staff member of `department` on `shift` on each date from `first` to
    `last` inclusive (at most LONGEST_RANGE_DAYS days), replacing what was set on those dates.
    Returns how many cells changed (a repeat: 0). Raises RosterError for a range that ends
    before it starts, is too long or leaves roster_window(), or a department with no rostered
    staff."""
    _check(actor)
    _within_window(first, field="first")
    _within_window(last, field="last")
    if last < first:
        raise RosterError("The last date is before the first.", field="last")
    if (last - first).days + 1 > LONGEST_RANGE_DAYS:
        raise RosterError(
            f"Assign at most {LONGEST_RANGE_DAYS} days at once; choose a shorter range.",
            field="last",
        )
    people = list(_people(department))
    if not people:
        raise RosterError(f"{department.name} has no staff to roster.", field="department")
    changed = 0
    day = first
    while day <= last:
        for user in people:
            changed += _put(actor=actor, user=user, day=day, shift=shift, request=request)
        day += timedelta(days=1)
    return changed
