"""Appointments: booking, rescheduling, cancelling, check-in and no-show, with the slot, overlap,
booking-horizon and portal rules every caller is held to.
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from billing import services as billing
from clinical import arrivals, live, selectors
from clinical.models import (
    ARRIVED_STATUSES,
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    Patient,
    PatientState,
    ScheduleException,
)
from clinical.services.patients import patient_transition
from hms import audit, rbac, submissions
from hms.locking import locked
from hms.money import money_text
from hms.refusals import Refusal

# Patients may move or cancel their own appointment in the portal up to this long before it.
PORTAL_CHANGE_CUTOFF = timedelta(hours=2)
CONSULTATION_CHARGE = "CONSULT"


class BookingError(Refusal):
    """A booking action that cannot be done, with the sentence the person reads; `field` names
    the part of the booking form it is about ("date", "starts_at"), when it is about one."""


class SlotTaken(BookingError):
    """Someone else took the slot a moment ago; `next_free` are the slots to offer instead."""

    def __init__(
        self,
        doctor: User,
        starts_at: datetime,
        *,
        patient: Patient | None = None,
        message: str = "",
    ) -> None:
        self.next_free = selectors.next_free_slots(doctor, starts_at, patient=patient)
        super().__init__(
            message
            or f"The {timezone.localtime(starts_at):%H:%M} slot with {doctor} has just been taken."
            " Choose one of the next free slots."
        )


def booking_last_day() -> date:
    """The last day (hospital time) an appointment may be booked or moved to, today included.

    Raises no domain error.
    """
    return timezone.localdate() + timedelta(days=settings.HMS_BOOKING_HORIZON_DAYS)


def _check_slot(
    doctor: User, starts_at: datetime, *, on_date: date | None = None
) -> selectors.Slot:
    """The slot of `doctor` that begins at `starts_at`, if it may be booked: a real slot of the
    doctor, not begun, within the booking horizon, and on `on_date` (hospital time) when the
    form chose a day. Whatever the form posted, these are checked on the slot itself."""
    if doctor.role != rbac.DOCTOR or not doctor.is_active:
        raise BookingError(f"{doctor} is not a doctor who sees patients here.")
    if timezone.is_naive(starts_at):  # a time without an offset is the hospital's local time
        starts_at = timezone.make_aware(starts_at)
    local = timezone.localtime(starts_at)
    day = local.date()
    if on_date is not None and day != on_date:
        raise BookingError(
            f"The time chosen ({local:%a %d %b %H:%M}) is not on the day chosen"
            f" ({on_date:%a %d %b}). Choose a time on that day.",
            field="starts_at",
        )
    if starts_at <= timezone.now():
        raise BookingError("That time has already passed. Choose a later slot.", field="starts_at")
    last_day = booking_last_day()
    if day > last_day:
        raise BookingError(
            f"Appointments can be booked up to {settings.HMS_BOOKING_HORIZON_DAYS} days ahead"
            f" (until {last_day:%d %b %Y}). Choose an earlier day.",
            field="date",
        )
    _check_not_away(doctor, starts_at)
    slot = next((s for s in selectors.slots_for(doctor, day) if s.starts_at == starts_at), None)
    if slot is None:
        raise BookingError(
            f"{doctor} does not see patients at {local:%d %b %H:%M}.", field="starts_at"
        )
    return slot


def day_off_words(day_off: ScheduleException) -> str:
    """A day off as the desk reads it: "Fri 04 Dec" for a whole day, "Fri 04 Dec 13:00–23:59"
    for hours, then its reason in brackets when it has one."""
    when = f"{day_off.date:%a %d %b}"
    if day_off.start_time is not None:
        when += f" {day_off.start_time:%H:%M}–{day_off.end_time:%H:%M}"
    return f"{when} ({day_off.reason})" if day_off.reason else when


def _check_not_away(doctor: User, starts_at: datetime) -> None:
    """Refuse a time inside one of the doctor's days off (leave or set by hand), naming it: the
    slot lists hide those times, and a form posted from an older page is held to it too."""
    day_off = selectors.day_off_at(doctor, starts_at)
    if day_off is not None:
        raise BookingError(
            f"{doctor} is away on {day_off_words(day_off)} and sees no patients then."
            " Choose another day, or another doctor.",
            field="starts_at",
        )


def _span(appointment: Appointment) -> str:
    starts, ends = (
        timezone.localtime(appointment.starts_at),
        timezone.localtime(appointment.ends_at),
    )
    return f"{starts:%a %d %b} {starts:%H:%M}–{ends:%H:%M}"


def _check_no_overlap(
    slot: selectors.Slot, *, doctor: User, patient: Patient, moving: Appointment | None = None
) -> None:
    """A slot is taken when any live appointment overlaps it, the doctor's (booked with whatever
    slot length the schedule had then) or the patient's with any doctor. On PostgreSQL the
    exclusion constraints refuse it too (a race); here the person is told which appointment is
    in the way."""
    window = {"starts_at": slot.starts_at, "ends_at": slot.ends_at, "excluding": moving}
    mine = selectors.overlapping_appointments(patient=patient, **window).first()
    if mine is not None:
        raise BookingError(
            f"{patient.full_name} already has an appointment with {mine.doctor} on {_span(mine)},"
            f" which overlaps {timezone.localtime(slot.starts_at):%H:%M}–"
            f"{timezone.localtime(slot.ends_at):%H:%M}. Choose a time after it, or move that"
            " appointment first.",
            field="starts_at",
        )
    doctors = selectors.overlapping_appointments(doctor=doctor, **window).first()
    if doctors is not None and doctors.starts_at == slot.starts_at:
        raise SlotTaken(doctor, slot.starts_at, patient=patient)
    if doctors is not None:  # booked with another slot length, before the schedule changed
        raise SlotTaken(
            doctor,
            slot.starts_at,
            patient=patient,
            message=f"{doctor} already has an appointment on {_span(doctors)}, which overlaps"
            f" {timezone.localtime(slot.starts_at):%H:%M}–{timezone.localtime(slot.ends_at):%H:%M}."
            " Choose one of the next free slots.",
        )


def _refusal_after_race(
    slot: selectors.Slot, *, doctor: User, patient: Patient, moving: Appointment | None = None
) -> BookingError:
    """What to tell the person whose booking the database refused (unique index or exclusion
    constraint): the appointment that won, read now that it is committed."""
    try:
        _check_no_overlap(slot, doctor=doctor, patient=patient, moving=moving)
    except BookingError as refusal:
        return refusal
    return SlotTaken(doctor, slot.starts_at, patient=patient)


def _books_online(actor: User) -> bool:
    """Whether `actor` books for themselves (the portal's "own" scope), and so within the
    portal's limits; the desk (the whole scope) is not limited."""
    return rbac.scope(actor, "appointments.book") == rbac.OWN


def _check_portal_limits(
    actor: User,
    patient: Patient,
    doctor: User,
    starts_at: datetime,
    *,
    moving: Appointment | None = None,
) -> None:
    """A patient booking online holds at most HMS_PORTAL_MAX_BOOKINGS_PER_DOCTOR_DAY live
    appointments with one doctor on one day and HMS_PORTAL_MAX_LIVE_BOOKINGS upcoming ones in
    all (the appointment being moved does not count against its new day). Live: scheduled or
    checked in or in consultation, from today on."""
    if not _books_online(actor):
        return
    today_start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    live = Appointment.objects.filter(
        patient=patient,
        status__in=[AppointmentStatus.SCHEDULED, *ARRIVED_STATUSES],
        starts_at__gte=today_start,
    )
    if moving is not None:
        live = live.exclude(pk=moving.pk)
    day = timezone.localtime(starts_at).date()
    day_start = timezone.make_aware(datetime.combine(day, time.min))
    per_day = settings.HMS_PORTAL_MAX_BOOKINGS_PER_DOCTOR_DAY
    that_day = live.filter(
        doctor=doctor, starts_at__gte=day_start, starts_at__lt=day_start + timedelta(days=1)
    ).count()
    if that_day >= per_day:
        limit = "one appointment" if per_day == 1 else f"{per_day} appointments"
        raise BookingError(
            f"You already have an appointment with {doctor} on {day:%a %d %b}. Online, you can"
            f" book {limit} with a doctor on a day: choose another day, or call the hospital.",
            field="starts_at",
        )
    total = settings.HMS_PORTAL_MAX_LIVE_BOOKINGS
    if moving is None and live.count() >= total:
        raise BookingError(
            f"You already have {total} upcoming appointments, the most you can book online."
            " Cancel one you no longer need, or call the hospital."
        )


def _portal_rules(actor: User, appointment: Appointment) -> None:
    if (
        rbac.scope(actor, "appointments.book") == rbac.OWN
        and appointment.starts_at - timezone.now() < PORTAL_CHANGE_CUTOFF
    ):
        hours = int(PORTAL_CHANGE_CUTOFF.total_seconds() // 3600)
        raise BookingError(
            f"Appointments can be changed online up to {hours} hours before. Please call the hospital."
        )


def _tell_doctor(appointment: Appointment, text: str) -> None:
    from messaging.services import notify

    notify(appointment.doctor, text, link=f"/appointments/{appointment.pk}/", kind="appointment")
    live.today_changed(appointment.doctor_id)


def _back_to_registered_if_nothing_booked(
    actor: User, patient: Patient, reason: str, request: HttpRequest | None
) -> None:
    """A patient waiting for an appointment who has none left booked is simply registered."""
    still_booked = Appointment.objects.filter(
        patient=patient, status=AppointmentStatus.SCHEDULED
    ).exists()
    if patient.state == PatientState.APPOINTMENT_SCHEDULED and not still_booked:
        patient_transition(
            actor=actor,
            patient=patient,
            to_state=PatientState.REGISTERED,
            reason=reason,
            request=request,
        )


def consultation_fee_post(
    *,
    actor: User | None,
    appointment: Appointment,
    service_from: datetime | None = None,
    service_to: datetime | None = None,
    request: HttpRequest | None = None,
) -> bool:
    """Post the appointment's consultation fee (fixed at booking) to the patient's account, at
    most once whoever asks (booking, check-in, completing the consultation: its accrual key).
    True when it was posted now, False when it was already.

    Raises BookingError when billing refuses the charge (no consultation item in the price list).
    """
    try:
        charge = billing.charge_post(
            actor=actor,
            patient=appointment.patient,
            code=CONSULTATION_CHARGE,
            unit_price=appointment.fee,
            description=f"Consultation, Dr {appointment.doctor}",
            source=fee_source(appointment),
            accrual_key=f"consultation:{appointment.pk}",
            service_from=service_from or appointment.starts_at,
            service_to=service_to or appointment.ends_at,
            request=request,
        )
    except billing.BillingError as error:
        raise BookingError(f"The consultation fee cannot be charged: {error}") from error
    return charge is not None


def fee_source(appointment: Appointment) -> str:
    return f"clinical.Appointment:{appointment.pk}"


def _fee_reverse(
    actor: User, appointment: Appointment, reason: str, request: HttpRequest | None
) -> None:
    """Take the posted consultation fee off the account (a visible reversal line), if any."""
    billing.reverse_source(
        actor=actor, source=fee_source(appointment), reason=reason, request=request
    )


def _locked_scheduled(
    appointment: Appointment, doing: str, *, or_waiting: bool = False
) -> Appointment:
    """The appointment, locked for this change, if it is still scheduled (else a clear refusal);
    `or_waiting`: or checked in and not yet seen (no consultation started). An appointment in
    consultation is refused with its own sentence: the patient is with the doctor."""
    appointment = (
        locked(Appointment.objects).select_related("patient", "doctor").get(pk=appointment.pk)
    )
    waiting = (
        or_waiting
        and appointment.status == AppointmentStatus.CHECKED_IN
        and not hasattr(appointment, "encounter")
    )
    if appointment.status == AppointmentStatus.IN_CONSULTATION or (
        or_waiting and hasattr(appointment, "encounter")
    ):
        raise BookingError(
            f"{appointment.patient.full_name} is with the doctor now (in consultation): the"
            f" appointment cannot be {doing}. The doctor completes it."
        )
    if appointment.status != AppointmentStatus.SCHEDULED and not waiting:
        raise BookingError(
            f"Only a scheduled appointment can be {doing}; this one is"
            f" {appointment.get_status_display()}."
        )
    return appointment


def _record(appointment: Appointment, kind: str, actor: User, **fields: object) -> None:
    AppointmentChange.objects.create(appointment=appointment, kind=kind, by=actor, **fields)


@transaction.atomic
@submissions.once("appointment.book")
def appointment_book(
    *,
    actor: User,
    patient: Patient,
    doctor: User,
    starts_at: datetime,
    on_date: date | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Appointment:
    """Book a free slot (on `on_date`, when the form chose a day). If another booking takes it
    first, SlotTaken offers the next free ones (the database's unique index decides the race).
    A patient booking for themselves is held to the portal's limits.

    Raises BookingError when the record is archived, the doctor does not see patients, the slot is
    past, outside the doctor's hours or a day off, or breaks the portal's limits; SlotTaken (a
    BookingError) when the doctor or the patient is already booked then; AlreadySubmitted
    (hms.submissions) when the same form was already sent.
    """
    # The record as it is now, locked: one patient's bookings are counted and made one at a time
    # (two tabs racing), and its state is not the caller's stale copy.
    patient = locked(Patient.objects).get(pk=patient.pk)
    if patient.is_archived:
        raise BookingError(f"{patient.full_name}'s record is archived: reactivate it first.")
    if patient.merged_into_id is not None:
        raise BookingError("This record was merged into another: book on the record kept.")
    slot = _check_slot(doctor, starts_at, on_date=on_date)
    _check_portal_limits(actor, patient, doctor, slot.starts_at)
    _check_no_overlap(slot, doctor=doctor, patient=patient)
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                patient=patient,
                doctor=doctor,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                fee=slot.fee,
                reason=reason[:200],
                booked_by=actor,
            )
    except IntegrityError:
        raise _refusal_after_race(slot, doctor=doctor, patient=patient) from None
    _record(appointment, AppointmentChange.Kind.BOOKED, actor, to_starts_at=slot.starts_at)
    if settings.HMS_CONSULTATION_FEE_AT == "booking":
        consultation_fee_post(actor=actor, appointment=appointment, request=request)
    if patient.state in (PatientState.REGISTERED, PatientState.DISCHARGED):
        patient_transition(
            actor=actor,
            patient=patient,
            to_state=PatientState.APPOINTMENT_SCHEDULED,
            reason="Appointment booked",
            request=request,
        )
    audit.record(
        actor=actor,
        action="appointment.book",
        obj=appointment,
        patient=patient,
        after={"doctor": doctor.pk, "starts_at": slot.starts_at, "fee": slot.fee},
        request=request,
    )
    _tell_doctor(
        appointment,
        f"New appointment: {patient.full_name}, {timezone.localtime(slot.starts_at):%a %d %b %H:%M}",
    )
    return appointment


@transaction.atomic
@submissions.once("appointment.reschedule")
def appointment_reschedule(
    *,
    actor: User,
    appointment: Appointment,
    starts_at: datetime,
    on_date: date | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Appointment:
    """Move a scheduled appointment to another free slot of its doctor, under the same rules as
    booking it (not past, within the horizon, the portal's limits).

    Raises BookingError when the appointment is no longer scheduled, the portal's rules or limits
    refuse it, or the new slot is past, outside the doctor's hours or a day off; SlotTaken (a
    BookingError) when the doctor or the patient is already booked then; AlreadySubmitted
    (hms.submissions) when the same form was already sent.
    """
    # The patient first, as booking does: one patient's bookings and moves are made one at a
    # time (the overlap check below reads them), in the same lock order.
    locked(Patient.objects).get(pk=appointment.patient_id)
    appointment = _locked_scheduled(appointment, "moved")
    _portal_rules(actor, appointment)
    slot = _check_slot(appointment.doctor, starts_at, on_date=on_date)
    if _books_online(actor):
        _check_portal_limits(
            actor, appointment.patient, appointment.doctor, slot.starts_at, moving=appointment
        )
    _check_no_overlap(
        slot, doctor=appointment.doctor, patient=appointment.patient, moving=appointment
    )
    old = appointment.starts_at
    try:
        with transaction.atomic():
            appointment.starts_at, appointment.ends_at = slot.starts_at, slot.ends_at
            appointment.save(update_fields=["starts_at", "ends_at"])
    except IntegrityError:
        appointment.starts_at = old
        raise _refusal_after_race(
            slot, doctor=appointment.doctor, patient=appointment.patient, moving=appointment
        ) from None
    _record(
        appointment,
        AppointmentChange.Kind.RESCHEDULED,
        actor,
        from_starts_at=old,
        to_starts_at=slot.starts_at,
        reason=reason[:200],
    )
    audit.record(
        actor=actor,
        action="appointment.reschedule",
        obj=appointment,
        patient=appointment.patient,
        before={"starts_at": old},
        after={"starts_at": slot.starts_at, "reason": reason[:200]},
        request=request,
    )
    _tell_doctor(
        appointment,
        f"Moved: {appointment.patient.full_name} from {timezone.localtime(old):%a %d %b %H:%M}"
        f" to {timezone.localtime(slot.starts_at):%a %d %b %H:%M}",
    )
    return appointment


@transaction.atomic
@submissions.once("appointment.move_to_doctor")
def appointment_move_to_doctor(
    *,
    actor: User,
    appointment: Appointment,
    doctor: User,
    starts_at: datetime,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Appointment:
    """Move a scheduled appointment to another doctor's free slot (the desk, when its doctor is
    away). An appointment belongs to its doctor (its fee is theirs, their list shows it), so the
    move is a cancel and a booking in one transaction, both or neither: the old appointment is
    cancelled saying where it went, its consultation fee reversed if it was posted; the new one
    is booked under the same rules as `appointment_book` (the new doctor's fee, posted when fees
    are posted at booking). The patient's state stays "appointment scheduled". Both doctors are
    told. Returns the new appointment.

    Raises PermissionDenied when the actor is not the desk (the whole scope of booking);
    BookingError when the appointment is no longer scheduled, `doctor` is its own doctor (choose a
    new time instead),
    or the slot is refused as booking refuses it (past, beyond the horizon, not the doctor's
    hours, a day off); SlotTaken (a BookingError) when the new doctor or the patient is booked
    then; AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    if not rbac.allows(actor, "appointments.book", scopes=[rbac.ALL]):
        raise PermissionDenied("Only the desk moves an appointment to another doctor.")
    patient = locked(Patient.objects).get(pk=appointment.patient_id)
    appointment = _locked_scheduled(appointment, "moved")
    if doctor.pk == appointment.doctor_id:
        raise BookingError(
            f"This appointment is already with {doctor}: choose a new time instead.",
            field="doctor",
        )
    slot = _check_slot(doctor, starts_at)
    _check_no_overlap(slot, doctor=doctor, patient=patient, moving=appointment)
    old_doctor, old_starts_at = appointment.doctor, appointment.starts_at
    said = reason[:200]
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = timezone.now()
    appointment.save(update_fields=["status", "cancelled_at"])
    when = timezone.localtime(slot.starts_at)
    _record(
        appointment,
        AppointmentChange.Kind.CANCELLED,
        actor,
        from_starts_at=old_starts_at,
        reason=(f"Moved to {doctor}, {when:%a %d %b %H:%M}. {said}").strip()[:200],
    )
    _fee_reverse(actor, appointment, f"Appointment moved to {doctor}", request)
    try:
        with transaction.atomic():
            moved = Appointment.objects.create(
                patient=patient,
                doctor=doctor,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                fee=slot.fee,
                reason=appointment.reason,
                booked_by=actor,
            )
    except IntegrityError:
        raise _refusal_after_race(slot, doctor=doctor, patient=patient) from None
    _record(
        moved,
        AppointmentChange.Kind.BOOKED,
        actor,
        to_starts_at=slot.starts_at,
        reason=(
            f"Moved from {old_doctor}, {timezone.localtime(old_starts_at):%a %d %b %H:%M}. {said}"
        ).strip()[:200],
    )
    if settings.HMS_CONSULTATION_FEE_AT == "booking":
        consultation_fee_post(actor=actor, appointment=moved, request=request)
    audit.record(
        actor=actor,
        action="appointment.move_to_doctor",
        obj=moved,
        patient=patient,
        before={"appointment": appointment.pk, "doctor": old_doctor.pk, "starts_at": old_starts_at},
        after={"doctor": doctor.pk, "starts_at": slot.starts_at, "fee": slot.fee, "reason": said},
        request=request,
    )
    _tell_doctor(
        appointment,
        f"Moved to {doctor}: {patient.full_name},"
        f" {timezone.localtime(old_starts_at):%a %d %b %H:%M}",
    )
    _tell_doctor(
        moved, f"New appointment: {patient.full_name}, {when:%a %d %b %H:%M} (from {old_doctor})"
    )
    return moved


@transaction.atomic
@submissions.once("appointment.cancel")
def appointment_cancel(
    *, actor: User, appointment: Appointment, reason: str = "", request: HttpRequest | None = None
) -> Appointment:
    """Cancel a scheduled appointment (the patient goes back to registered if nothing else is
    booked), audited.

    Raises BookingError when the appointment is no longer scheduled or a patient cancels online too
    close to the time; AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    appointment = _locked_scheduled(
        appointment,
        "cancelled",
        or_waiting=rbac.allows(actor, "appointments.book", scopes=[rbac.ALL]),
    )
    was = appointment.status
    _portal_rules(actor, appointment)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = timezone.now()
    appointment.save(update_fields=["status", "cancelled_at"])
    _record(
        appointment,
        AppointmentChange.Kind.CANCELLED,
        actor,
        from_starts_at=appointment.starts_at,
        reason=reason[:200],
    )
    patient = appointment.patient
    _fee_reverse(actor, appointment, "Appointment cancelled", request)
    if was == AppointmentStatus.CHECKED_IN:  # left before being seen: the queue lets go
        arrivals.left(actor=actor, appointment=appointment, request=request)
    _back_to_registered_if_nothing_booked(actor, patient, "Appointment cancelled", request)
    audit.record(
        actor=actor,
        action="appointment.cancel",
        obj=appointment,
        patient=patient,
        before={"status": was},
        after={"status": AppointmentStatus.CANCELLED, "reason": reason[:200]},
        request=request,
    )
    _tell_doctor(
        appointment,
        f"Cancelled: {patient.full_name}, {timezone.localtime(appointment.starts_at):%a %d %b %H:%M}",
    )
    return appointment


@transaction.atomic
@submissions.once("appointment.check_in")
def appointment_check_in(
    *, actor: User, appointment: Appointment, request: HttpRequest | None = None
) -> Appointment:
    """The patient has arrived: the doctor's list shows them waiting, and the modules told of
    arrivals act (the queue issues a ticket; what they said is `appointment.arrival_notes`).
    Raises PermissionDenied when the actor is not the desk (a portal patient); BookingError when
    the appointment is not scheduled or not today."""
    if not rbac.allows(actor, "appointments.book", scopes=[rbac.ALL]):
        raise PermissionDenied("Patients are checked in at the desk.")
    appointment = _locked_scheduled(appointment, "checked in")
    if timezone.localtime(appointment.starts_at).date() != timezone.localdate():
        raise BookingError("Patients are checked in on the day of their appointment.")
    appointment.status = AppointmentStatus.CHECKED_IN
    appointment.checked_in_at = timezone.now()
    appointment.save(update_fields=["status", "checked_in_at"])
    _record(appointment, AppointmentChange.Kind.CHECKED_IN, actor)
    fee = settings.HMS_CONSULTATION_FEE_AT == "check_in" and consultation_fee_post(
        actor=actor, appointment=appointment, request=request
    )
    audit.record(
        actor=actor,
        action="appointment.check_in",
        obj=appointment,
        patient=appointment.patient,
        request=request,
    )
    appointment.arrival_notes = arrivals.arrived(
        actor=actor, appointment=appointment, request=request
    )
    if fee:  # the desk collects it before the doctor
        appointment.arrival_notes.append(
            f"Consultation fee {money_text(appointment.fee)} is on the patient's account."
        )
    live.today_changed(appointment.doctor_id)
    return appointment


@transaction.atomic
def appointment_no_show(
    *, actor: User, appointment: Appointment, request: HttpRequest | None = None
) -> Appointment:
    """The patient did not come: the slot's time is over and nobody is waiting. Raises
    PermissionDenied when the actor is not the desk (a portal patient); BookingError when the
    appointment is not scheduled or not yet past."""
    if not rbac.allows(actor, "appointments.book", scopes=[rbac.ALL]):
        raise PermissionDenied("Only the desk marks a patient as not come.")
    appointment = _locked_scheduled(appointment, "marked no-show", or_waiting=True)
    if appointment.starts_at > timezone.now():
        raise BookingError("An appointment can be marked no-show only after its time.")
    was = appointment.status
    appointment.status = AppointmentStatus.NO_SHOW
    appointment.save(update_fields=["status"])
    _record(appointment, AppointmentChange.Kind.NO_SHOW, actor)
    _fee_reverse(actor, appointment, "Did not attend", request)
    if was == AppointmentStatus.CHECKED_IN:  # left before being seen: the queue lets go
        arrivals.left(actor=actor, appointment=appointment, request=request)
    _back_to_registered_if_nothing_booked(actor, appointment.patient, "Did not attend", request)
    audit.record(
        actor=actor,
        action="appointment.no_show",
        obj=appointment,
        patient=appointment.patient,
        request=request,
    )
    live.today_changed(appointment.doctor_id)
    return appointment
