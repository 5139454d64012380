"""Demo records of hr: shifts, a roster and a month of attendance (hr.demo_attendance); leave in
every state for several demo staff, and a doctor's approved leave on a day a patient was already
booked (so reception's "to move" list has something in it).

Each part of hr seeds in its own function called from `seed(log)`; every one is idempotent."""

from datetime import date, timedelta

from django.utils import timezone

from accounts.models import User
from clinical import selectors as clinical_selectors
from clinical import services as clinical
from clinical.models import Patient
from hr import leave_days, services
from hr.demo_attendance import seed_attendance
from hr.leave_defaults import ensure_leave_types
from hr.leave_selectors import off_days
from hr.models import LeaveRequest, LeaveType


def seed(log) -> None:
    seed_attendance(log)
    seed_leave(log)


def _working_day_from(day: date) -> date:
    """The first working day on or after `day` (no weekend, holiday or closure day)."""
    closed = off_days(day, day + timedelta(days=30))
    while not leave_days.is_working_day(day, closed):
        day += timedelta(days=1)
    return day


def _apply(user: User, code: str, start: date, end: date, **extra) -> LeaveRequest:
    return services.leave_apply(
        actor=user,
        leave_type=LeaveType.objects.get(code=code),
        start_date=start,
        end_date=end,
        **extra,
    )


def seed_leave(log) -> None:
    """Leave in every state: pending, approved (past and future), rejected, withdrawn,
    cancelled; and the demo doctor's approved leave on a day with a patient booked."""
    ensure_leave_types()
    people = {user.username: user for user in User.objects.filter(is_active=True)}
    admin = people.get("admin")
    needed = ("admin", "nurse", "reception", "lab", "pharmacist", "doctor")
    if any(name not in people for name in needed):
        return
    if LeaveRequest.objects.filter(user__username__in=needed).exists():
        return
    today = timezone.localdate()
    nurse, desk, lab, pharmacist = (people[n] for n in ("nurse", "reception", "lab", "pharmacist"))

    past = _apply(nurse, "annual", today - timedelta(days=7), today - timedelta(days=3))
    services.leave_approve(actor=admin, leave_request=past, comment="Enjoy the break.")
    soon = _working_day_from(today + timedelta(days=21))
    _apply(nurse, "annual", soon, soon + timedelta(days=4), reason="Family wedding in Kisumu")

    away = _working_day_from(today + timedelta(days=10))
    approved = _apply(desk, "annual", away, away + timedelta(days=2), reason="Visiting my parents")
    services.leave_approve(actor=admin, leave_request=approved)
    busy = _working_day_from(today + timedelta(days=30))
    refused = _apply(desk, "annual", busy, busy + timedelta(days=1))
    services.leave_reject(
        actor=admin, leave_request=refused, comment="Two of the desk are away that week."
    )

    errand = _working_day_from(today + timedelta(days=14))
    taken_back = _apply(lab, "compassionate", errand, errand, reason="A relative in hospital")
    services.leave_withdraw(actor=lab, leave_request=taken_back)
    later = _working_day_from(today + timedelta(days=40))
    cancelled = _apply(lab, "annual", later, later + timedelta(days=1))
    services.leave_approve(actor=admin, leave_request=cancelled)
    services.leave_cancel(actor=lab, leave_request=cancelled)

    tomorrow = _working_day_from(today + timedelta(days=1))
    _apply(pharmacist, "compassionate", tomorrow, tomorrow, starts_afternoon=True, reason="Funeral")

    clash = _seed_doctors_leave(log, people["doctor"], admin, desk, today)
    log(
        "Leave: requests in every state for the nurse, the desk, the lab and the pharmacy;"
        f" the doctor's approved leave on {clash:%a %d %b} with a patient booked (to move)."
    )


def _seed_doctors_leave(log, doctor: User, admin: User, desk: User, today: date) -> date:
    """Book a patient with the demo doctor on a working day a week ahead, then approve the
    doctor's leave that day: the appointment stays, listed for reception to move."""
    day = _working_day_from(today + timedelta(days=7))
    patient = Patient.objects.filter(merged_into__isnull=True).order_by("mrn").first()
    free = [slot for slot in clinical_selectors.slots_for(doctor, day) if slot.free]
    if patient is not None and free:
        try:
            clinical.appointment_book(
                actor=desk,
                patient=patient,
                doctor=doctor,
                starts_at=free[len(free) // 2].starts_at,
                reason="Follow-up",
            )
        except clinical.BookingError as refusal:
            log(f"Leave demo: no appointment booked before the doctor's leave ({refusal}).")
    leave = _apply(doctor, "annual", day, day, reason="Conference in Nairobi")
    services.leave_approve(actor=admin, leave_request=leave, patients_moved_knowingly=True)
    return day
