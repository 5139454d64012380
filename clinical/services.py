"""Business actions of clinical: patients (register, edit, lifecycle, chart views), appointments
(book, reschedule, cancel, check in, no-show) and doctors' schedules.

Each is one transaction with its audit row; a refusal raises an error a clerk can read.
"""

import secrets
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts import services as accounts
from billing import services as billing
from clinical import lifecycle, live, selectors, vitals
from clinical.models import (
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    DoctorSchedule,
    Encounter,
    Patient,
    PatientDocument,
    PatientState,
    PatientStateChange,
    Prescription,
    ScheduleException,
    Vitals,
)
from hms import audit, files, rbac, submissions
from hms.numbering import next_number
from hms.refusals import Refusal

AUDITED_FIELDS = [
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "blood_group",
    "phone",
    "address",
    "emergency_name",
    "emergency_relation",
    "emergency_phone",
    "insurance",
    "allergies",
    "medical_history",
]


class DuplicateSuspected(Exception):
    """The new patient looks like someone already registered: the clerk must decide."""

    def __init__(self, candidates: list[Patient]):
        super().__init__("This patient may already be registered.")
        self.candidates = candidates


def _keys(patient: Patient) -> None:
    patient.name_key = selectors.name_key(patient.first_name, patient.last_name)
    patient.phone_digits = selectors.phone_digits(patient.phone)


@transaction.atomic
@submissions.once("patient.register")
def patient_register(
    *,
    actor,
    fields: dict,
    not_a_duplicate: bool = False,
    request: HttpRequest | None = None,
) -> Patient:
    """Register a patient with the next MRN. Unless the clerk has confirmed it is someone new,
    likely duplicates stop the registration (DuplicateSuspected) and nothing is saved."""
    patient = Patient(registered_by=actor, **fields)
    if not not_a_duplicate:
        candidates = selectors.likely_duplicates(
            first_name=patient.first_name,
            last_name=patient.last_name,
            date_of_birth=patient.date_of_birth,
            phone=patient.phone,
        )
        if candidates:
            raise DuplicateSuspected(candidates)
    _keys(patient)
    patient.mrn = f"{next_number('mrn'):0{selectors.MRN_DIGITS}d}"
    patient.full_clean()
    patient.save()
    PatientStateChange.objects.create(
        patient=patient, from_state="", to_state=PatientState.REGISTERED, by=actor
    )
    audit.record(
        actor=actor,
        action="patient.register",
        obj=patient,
        patient=patient,
        after=audit.snapshot(patient, ["mrn", *AUDITED_FIELDS]),
        request=request,
    )
    return patient


@transaction.atomic
def patient_update(
    *, actor, patient: Patient, fields: dict, request: HttpRequest | None = None
) -> Patient:
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    before = audit.snapshot(patient, AUDITED_FIELDS)
    for name, value in fields.items():
        if name not in AUDITED_FIELDS:
            raise ValueError(f"patient_update cannot change {name}")
        setattr(patient, name, value)
    _keys(patient)
    patient.full_clean()
    patient.save()
    after = audit.snapshot(patient, AUDITED_FIELDS)
    if before != after:
        changed = [name for name in AUDITED_FIELDS if before[name] != after[name]]
        audit.record(
            actor=actor,
            action="patient.update",
            obj=patient,
            patient=patient,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
            request=request,
        )
    return patient


@transaction.atomic
def patient_transition(
    *,
    actor,
    patient: Patient,
    to_state: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Patient:
    """Move a patient to another lifecycle state, if the lifecycle allows it from where they are
    (read under a row lock: two clerks cannot move one patient two ways at once)."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    lifecycle.check(patient.state, to_state)
    from_state = patient.state
    patient.state = to_state
    patient.save(update_fields=["state"])
    PatientStateChange.objects.create(
        patient=patient, from_state=from_state, to_state=to_state, by=actor, reason=reason[:200]
    )
    audit.record(
        actor=actor,
        action="patient.state_change",
        obj=patient,
        patient=patient,
        before={"state": from_state},
        after={"state": to_state, "reason": reason[:200]},
        request=request,
    )
    return patient


def patient_chart_opened(*, actor, patient: Patient, request: HttpRequest | None = None) -> None:
    """Every opening of a chart is audited: who looked at whose record, and when."""
    audit.record(
        actor=actor, action="patient.view_chart", obj=patient, patient=patient, request=request
    )


# --- appointments --------------------------------------------------------------------------

# Patients may move or cancel their own appointment in the portal up to this long before it.
PORTAL_CHANGE_CUTOFF = timedelta(hours=2)


class BookingError(Refusal):
    """A booking action that cannot be done, with the sentence the person reads; `field` names
    the part of the booking form it is about ("date", "starts_at"), when it is about one."""


class SlotTaken(BookingError):
    """Someone else took the slot a moment ago; `next_free` are the slots to offer instead."""

    def __init__(self, doctor, starts_at, *, patient: Patient | None = None, message: str = ""):
        self.next_free = selectors.next_free_slots(doctor, starts_at, patient=patient)
        super().__init__(
            message
            or f"The {timezone.localtime(starts_at):%H:%M} slot with {doctor} has just been taken."
            " Choose one of the next free slots."
        )


def booking_last_day() -> date:
    """The last day (hospital time) an appointment may be booked or moved to, today included."""
    return timezone.localdate() + timedelta(days=settings.HMS_BOOKING_HORIZON_DAYS)


def _check_slot(doctor, starts_at: datetime, *, on_date: date | None = None) -> selectors.Slot:
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
    slot = next((s for s in selectors.slots_for(doctor, day) if s.starts_at == starts_at), None)
    if slot is None:
        raise BookingError(
            f"{doctor} does not see patients at {local:%d %b %H:%M}.", field="starts_at"
        )
    return slot


def _span(appointment: Appointment) -> str:
    starts, ends = (
        timezone.localtime(appointment.starts_at),
        timezone.localtime(appointment.ends_at),
    )
    return f"{starts:%a %d %b} {starts:%H:%M}–{ends:%H:%M}"


def _check_no_overlap(
    slot: selectors.Slot, *, doctor, patient: Patient, moving: Appointment | None = None
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


def _refusal_after_race(slot: selectors.Slot, *, doctor, patient: Patient, moving=None):
    """What to tell the person whose booking the database refused (unique index or exclusion
    constraint): the appointment that won, read now that it is committed."""
    try:
        _check_no_overlap(slot, doctor=doctor, patient=patient, moving=moving)
    except BookingError as refusal:
        return refusal
    return SlotTaken(doctor, slot.starts_at, patient=patient)


def _books_online(actor) -> bool:
    """Whether `actor` books for themselves (the portal's "own" scope), and so within the
    portal's limits; the desk (the whole scope) is not limited."""
    return rbac.scope(actor, "appointments.book") == rbac.OWN


def _check_portal_limits(
    actor, patient: Patient, doctor, starts_at: datetime, *, moving: Appointment | None = None
) -> None:
    """A patient booking online holds at most HMS_PORTAL_MAX_BOOKINGS_PER_DOCTOR_DAY live
    appointments with one doctor on one day and HMS_PORTAL_MAX_LIVE_BOOKINGS upcoming ones in
    all (the appointment being moved does not count against its new day). Live: scheduled or
    checked in, from today on."""
    if not _books_online(actor):
        return
    today_start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    live = Appointment.objects.filter(
        patient=patient,
        status__in=[AppointmentStatus.SCHEDULED, AppointmentStatus.CHECKED_IN],
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


def _portal_rules(actor, appointment: Appointment) -> None:
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

    notify(appointment.doctor, text, link=f"/appointments/{appointment.pk}/")
    live.today_changed(appointment.doctor_id)


def _back_to_registered_if_nothing_booked(actor, patient: Patient, reason: str, request) -> None:
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


def _locked_scheduled(appointment: Appointment, doing: str) -> Appointment:
    """The appointment, locked for this change, if it is still scheduled (else a clear refusal)."""
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("patient", "doctor")
        .get(pk=appointment.pk)
    )
    if appointment.status != AppointmentStatus.SCHEDULED:
        raise BookingError(
            f"Only a scheduled appointment can be {doing}; this one is"
            f" {appointment.get_status_display()}."
        )
    return appointment


def _record(appointment: Appointment, kind: str, actor, **fields) -> None:
    AppointmentChange.objects.create(appointment=appointment, kind=kind, by=actor, **fields)


@transaction.atomic
@submissions.once("appointment.book")
def appointment_book(
    *,
    actor,
    patient: Patient,
    doctor,
    starts_at: datetime,
    on_date: date | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Appointment:
    """Book a free slot (on `on_date`, when the form chose a day). If another booking takes it
    first, SlotTaken offers the next free ones (the database's unique index decides the race).
    A patient booking for themselves is held to the portal's limits."""
    # The record as it is now, locked: one patient's bookings are counted and made one at a time
    # (two tabs racing), and its state is not the caller's stale copy.
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.is_archived:
        raise BookingError(f"{patient.full_name}'s record is archived: reactivate it first.")
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
    actor,
    appointment: Appointment,
    starts_at: datetime,
    on_date: date | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Appointment:
    """Move a scheduled appointment to another free slot of its doctor, under the same rules as
    booking it (not past, within the horizon, the portal's limits)."""
    # The patient first, as booking does: one patient's bookings and moves are made one at a
    # time (the overlap check below reads them), in the same lock order.
    Patient.objects.select_for_update().get(pk=appointment.patient_id)
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
@submissions.once("appointment.cancel")
def appointment_cancel(
    *, actor, appointment: Appointment, reason: str = "", request: HttpRequest | None = None
) -> Appointment:
    appointment = _locked_scheduled(appointment, "cancelled")
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
    _back_to_registered_if_nothing_booked(actor, patient, "Appointment cancelled", request)
    audit.record(
        actor=actor,
        action="appointment.cancel",
        obj=appointment,
        patient=patient,
        before={"status": AppointmentStatus.SCHEDULED},
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
    *, actor, appointment: Appointment, request: HttpRequest | None = None
) -> Appointment:
    """The patient has arrived: the doctor's list shows them waiting. Raises BookingError (a
    portal patient, an appointment not scheduled or not today)."""
    if not rbac.allows(actor, "appointments.book", scopes=[rbac.ALL]):
        raise BookingError("Patients are checked in at the desk.")
    appointment = _locked_scheduled(appointment, "checked in")
    if timezone.localtime(appointment.starts_at).date() != timezone.localdate():
        raise BookingError("Patients are checked in on the day of their appointment.")
    appointment.status = AppointmentStatus.CHECKED_IN
    appointment.checked_in_at = timezone.now()
    appointment.save(update_fields=["status", "checked_in_at"])
    _record(appointment, AppointmentChange.Kind.CHECKED_IN, actor)
    audit.record(
        actor=actor,
        action="appointment.check_in",
        obj=appointment,
        patient=appointment.patient,
        request=request,
    )
    live.today_changed(appointment.doctor_id)
    return appointment


@transaction.atomic
def appointment_no_show(
    *, actor, appointment: Appointment, request: HttpRequest | None = None
) -> Appointment:
    """The patient did not come: the slot's time is over and nobody is waiting. Raises
    BookingError (a portal patient, not scheduled, not yet past)."""
    if not rbac.allows(actor, "appointments.book", scopes=[rbac.ALL]):
        raise BookingError("Only the desk marks a patient as not come.")
    appointment = _locked_scheduled(appointment, "marked no-show")
    if appointment.starts_at > timezone.now():
        raise BookingError("An appointment can be marked no-show only after its time.")
    appointment.status = AppointmentStatus.NO_SHOW
    appointment.save(update_fields=["status"])
    _record(appointment, AppointmentChange.Kind.NO_SHOW, actor)
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


# --- doctor schedules (admin) ----------------------------------------------------------------


@transaction.atomic
def schedule_block_add(*, actor, request: HttpRequest | None = None, **fields) -> DoctorSchedule:
    if not rbac.allows(actor, "schedules.manage"):
        raise BookingError("Only an administrator sets doctors' schedules and days off.")
    block = DoctorSchedule(**fields)
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
    *, actor, block: DoctorSchedule, request: HttpRequest | None = None
) -> None:
    """Future appointments already booked in the block stay booked; no new ones are offered."""
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
    *, actor, request: HttpRequest | None = None, **fields
) -> ScheduleException:
    if not rbac.allows(actor, "schedules.manage"):
        raise BookingError("Only an administrator sets doctors' schedules and days off.")
    exception = ScheduleException(**fields)
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


# --- the patient portal ----------------------------------------------------------------------


@transaction.atomic
def portal_login_create(
    *, actor, patient: Patient, username: str, email: str = "", request: HttpRequest | None = None
):
    """Give a registered patient a portal login with a one-time password (returned once, to be
    printed or read out; the patient must change it at first sign-in)."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.user_id:
        raise BookingError(
            f"{patient.full_name} already has a portal login ({patient.user.username})."
        )
    if patient.is_archived:
        raise BookingError("The record is archived: reactivate it first.")
    # Easy to read out over a counter: no 0/O or 1/l look-alikes.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    password = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
    try:
        user = accounts.user_create(
            actor=actor,
            username=username,
            role=rbac.PATIENT,
            password=password,
            first_name=patient.first_name,
            last_name=patient.last_name,
            email=email,
            phone=patient.phone,
            must_change_password=True,
            request=request,
        )
    except ValidationError as error:
        raise BookingError(" ".join(error.messages)) from error
    patient.user = user
    patient.save(update_fields=["user"])
    audit.record(
        actor=actor,
        action="patient.portal_login",
        obj=patient,
        patient=patient,
        after={"username": username},
        request=request,
    )
    return user, password


# --- vitals ----------------------------------------------------------------------------------

VITAL_FIELDS = list(vitals.RANGES)


@transaction.atomic
@submissions.once("vitals.record")
def vitals_record(
    *, actor, patient: Patient, values: dict, note: str = "", request: HttpRequest | None = None
) -> Vitals:
    """Record a set of observations. Impossible values are refused with the reason; nothing is
    saved unless every value is possible."""
    readings = {name: values.get(name) for name in VITAL_FIELDS}
    if all(value is None for value in readings.values()):
        raise VitalsError("Enter at least one reading.")
    problems = [p for name, value in readings.items() if (p := vitals.impossible(name, value))]
    systolic, diastolic = readings["systolic"], readings["diastolic"]
    if (systolic is None) != (diastolic is None):
        problems.append("Enter both blood pressure numbers (e.g. 120 / 80).")
    elif systolic is not None and diastolic >= systolic:
        problems.append("The diastolic pressure must be lower than the systolic.")
    if problems:
        raise VitalsError(" ".join(problems))
    record = Vitals.objects.create(
        patient=patient, recorded_by=actor, recorded_at=timezone.now(), note=note[:200], **readings
    )
    audit.record(
        actor=actor,
        action="vitals.record",
        obj=record,
        patient=patient,
        after=audit.snapshot(record, VITAL_FIELDS),
        request=request,
    )
    return record


class VitalsError(Refusal):
    """Readings that cannot be right, with the sentence a nurse reads."""


# --- consultations and prescriptions -----------------------------------------------------------

CONSULTATION_CHARGE = "CONSULT"
ENCOUNTER_FIELDS = ["complaints", "examination", "diagnosis", "icd10_code", "plan"]
PRESCRIPTION_FIELDS = ["drug", "strength", "dose", "route", "frequency", "duration", "instructions"]


class ConsultationError(Refusal):
    """A consultation action that cannot be done, with the sentence the doctor reads."""


def _charge_consultation(
    actor, encounter: Encounter, appointment: Appointment, request: HttpRequest | None = None
) -> None:
    try:
        billing.charge_post(
            actor=actor,
            patient=encounter.patient,
            code=CONSULTATION_CHARGE,
            unit_price=appointment.fee,
            description=f"Consultation, Dr {appointment.doctor}",
            source=f"clinical.Appointment:{appointment.pk}",
            accrual_key=f"consultation:{appointment.pk}",
            service_from=encounter.started_at,
            service_to=encounter.completed_at,
            request=request,
        )
    except billing.BillingError as error:
        raise ConsultationError(f"The consultation fee cannot be charged: {error}") from error


def may_change_notes(actor, encounter: Encounter) -> bool:
    """Whether `actor` may write this consultation's notes and prescriptions: the doctor who
    holds it, while it is open (an administrator passes every check)."""
    return encounter.status == Encounter.Status.OPEN and (
        rbac.passes_every_check(actor) or encounter.doctor_id == actor.pk
    )


def _own_notes(actor, encounter: Encounter) -> None:
    if not rbac.passes_every_check(actor) and encounter.doctor_id != actor.pk:
        raise ConsultationError("Only the doctor who holds this consultation can change its notes.")
    if encounter.status != Encounter.Status.OPEN:
        raise ConsultationError("This consultation is completed: its notes can no longer change.")


@transaction.atomic
def encounter_start(
    *, actor, appointment: Appointment, request: HttpRequest | None = None
) -> Encounter:
    """Start (or reopen the page of) the consultation of a checked-in or scheduled appointment
    of today. The patient is now under treatment."""
    appointment = (
        Appointment.objects.select_for_update().select_related("patient").get(pk=appointment.pk)
    )
    existing = Encounter.objects.filter(appointment=appointment).first()
    if existing:
        return existing
    if not rbac.passes_every_check(actor) and appointment.doctor_id != actor.pk:
        raise ConsultationError("This appointment is with another doctor.")
    if appointment.status not in (AppointmentStatus.SCHEDULED, AppointmentStatus.CHECKED_IN):
        raise ConsultationError(
            f"A consultation starts from a scheduled or checked-in appointment; this one is"
            f" {appointment.get_status_display()}."
        )
    if timezone.localtime(appointment.starts_at).date() != timezone.localdate():
        raise ConsultationError("A consultation is held on the day of the appointment.")
    encounter = Encounter.objects.create(
        patient=appointment.patient,
        doctor=appointment.doctor,
        appointment=appointment,
        started_at=timezone.now(),
    )
    if PatientState.UNDER_TREATMENT in lifecycle.ALLOWED[appointment.patient.state]:
        patient_transition(
            actor=actor,
            patient=appointment.patient,
            to_state=PatientState.UNDER_TREATMENT,
            reason="Consultation started",
            request=request,
        )
    audit.record(
        actor=actor,
        action="encounter.start",
        obj=encounter,
        patient=appointment.patient,
        request=request,
    )
    return encounter


@transaction.atomic
def encounter_save(
    *, actor, encounter: Encounter, fields: dict, request: HttpRequest | None = None
) -> Encounter:
    encounter = Encounter.objects.select_for_update().get(pk=encounter.pk)
    _own_notes(actor, encounter)
    before = audit.snapshot(encounter, ENCOUNTER_FIELDS)
    for name in ENCOUNTER_FIELDS:
        if name in fields:
            setattr(encounter, name, (fields[name] or "").strip())
    encounter.icd10_code = encounter.icd10_code.upper()
    try:
        encounter.full_clean()
    except ValidationError as error:
        raise ConsultationError(" ".join(error.messages)) from error
    encounter.save()
    after = audit.snapshot(encounter, ENCOUNTER_FIELDS)
    if before != after:
        audit.record(
            actor=actor,
            action="encounter.update",
            obj=encounter,
            patient=encounter.patient_id,
            before=before,
            after=after,
            request=request,
        )
    return encounter


@transaction.atomic
@submissions.once("encounter.complete")
def encounter_complete(
    *, actor, encounter: Encounter, request: HttpRequest | None = None
) -> Encounter:
    """Finish the consultation: the appointment is completed (its fee, fixed at booking, is what
    billing charges) and the patient's visit is over."""
    encounter = Encounter.objects.select_for_update().select_related("patient").get(pk=encounter.pk)
    _own_notes(actor, encounter)
    if not encounter.diagnosis:
        raise ConsultationError("Enter a diagnosis (or working diagnosis) before completing.")
    encounter.status = Encounter.Status.COMPLETED
    encounter.completed_at = timezone.now()
    encounter.save(update_fields=["status", "completed_at"])
    if encounter.appointment_id:
        appointment = Appointment.objects.select_for_update().get(pk=encounter.appointment_id)
        appointment.status = AppointmentStatus.COMPLETED
        appointment.completed_at = encounter.completed_at
        appointment.save(update_fields=["status", "completed_at"])
        _record(appointment, AppointmentChange.Kind.COMPLETED, actor)
        # The consultation fee fixed at booking goes to the patient's account.
        _charge_consultation(actor, encounter, appointment, request)
        live.today_changed(appointment.doctor_id)
    if encounter.patient.state == PatientState.UNDER_TREATMENT:
        patient_transition(
            actor=actor,
            patient=encounter.patient,
            to_state=PatientState.DISCHARGED,
            reason="Consultation completed",
            request=request,
        )
    audit.record(
        actor=actor,
        action="encounter.complete",
        obj=encounter,
        patient=encounter.patient,
        after={"diagnosis": encounter.diagnosis, "icd10_code": encounter.icd10_code},
        request=request,
    )
    return encounter


@transaction.atomic
@submissions.once("prescription.add")
def prescription_add(
    *, actor, encounter: Encounter, fields: dict, request: HttpRequest | None = None
) -> Prescription:
    encounter = Encounter.objects.select_for_update().get(pk=encounter.pk)
    _own_notes(actor, encounter)
    prescription = Prescription(
        encounter=encounter,
        patient_id=encounter.patient_id,
        doctor_id=encounter.doctor_id,
        **{name: (fields.get(name) or "").strip() for name in PRESCRIPTION_FIELDS},
    )
    try:
        prescription.full_clean()
    except ValidationError as error:
        raise ConsultationError(" ".join(error.messages)) from error
    prescription.save()
    audit.record(
        actor=actor,
        action="prescription.add",
        obj=prescription,
        patient=encounter.patient_id,
        after=audit.snapshot(prescription, PRESCRIPTION_FIELDS),
        request=request,
    )
    return prescription


@transaction.atomic
def prescription_remove(
    *, actor, prescription: Prescription, request: HttpRequest | None = None
) -> None:
    _own_notes(actor, prescription.encounter)
    audit.record(
        actor=actor,
        action="prescription.remove",
        obj=prescription,
        patient=prescription.patient_id,
        before=audit.snapshot(prescription, PRESCRIPTION_FIELDS),
        request=request,
    )
    prescription.delete()


# --- documents -------------------------------------------------------------------------------


@transaction.atomic
def document_downloaded(
    *, actor, document: PatientDocument, request: HttpRequest | None = None
) -> None:
    """Every download of a patient's document is audited: who took a copy of what, and when."""
    audit.record(
        actor=actor,
        action="document.download",
        obj=document,
        patient=document.patient,
        request=request,
    )


@transaction.atomic
def document_upload(
    *,
    actor,
    patient: Patient,
    upload,
    title: str,
    kind: str = PatientDocument.Kind.NOTE,
    request: HttpRequest | None = None,
) -> PatientDocument:
    """Store a PDF/JPEG/PNG in private storage (type recognised from its bytes, size checked)."""
    content_type = files.check_upload(upload)
    title = title.strip() or "Document"
    document = PatientDocument(
        patient=patient,
        kind=kind,
        title=title[:120],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    document.full_clean(exclude=["file"])
    document.file.save("upload", upload, save=False)
    document.save()
    audit.record(
        actor=actor,
        action="document.upload",
        obj=document,
        patient=patient,
        after={"title": document.title, "kind": kind, "size": document.size, "type": content_type},
        request=request,
    )
    return document
