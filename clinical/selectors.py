"""Read-only questions about patients, asked by clinical's screens and by other modules.

The assigned-doctor relation (DESIGN.md): a doctor with a non-cancelled appointment with the
patient, or the attending doctor of the patient's active admission (that half arrives with wards).
"""

import functools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.paginator import Page
from django.db.models import BooleanField, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import TruncDate, TruncTime
from django.utils import timezone

from accounts.models import User
from clinical import lifecycle, news2, search, timeline
from clinical.day_parts import HALF_DAY_SPLIT
from clinical.models import (
    ARRIVED_STATUSES,
    LIVE_APPOINTMENT,
    Appointment,
    AppointmentStatus,
    DoctorSchedule,
    Encounter,
    Patient,
    PatientDocument,
    PatientMerge,
    PatientState,
    PatientStateChange,
    Prescription,
    ScheduleException,
    Vitals,
)
from clinical.search import (  # the search keys and MRN width, re-exported for other modules
    MRN_DIGITS,  # noqa: F401
    RankedPatients,
    document_key,
    name_key,
    phone_digits,
)

# The history's events and kinds of record, for the modules built on clinical to add theirs.
from clinical.timeline import Event as Event
from clinical.timeline import TimelineSource as TimelineSource
from clinical.vitals import RANGES, Range, flag
from hms import paging, params, rbac
from hms.prepared import Prepared
from hms.refusals import Refusal

SEARCH_LIMIT = 20


def likely_duplicates(
    *,
    first_name: str,
    last_name: str,
    date_of_birth: date | None,
    phone: str,
    member_number: str = "",
    scheme: str = "",
    exclude: Patient | None = None,
) -> "Duplicates":
    """Patients who may be this same person, the surest first: the same insurance member number
    of the same scheme; the same phone (the first PHONE_MATCHES, the list saying how many more
    share it: a clinic's or a relative's phone is shared by many); the same birth date with a name
    the patient search would find (a letter or two wrong, or the words in another order). Each
    patient carries `duplicate_reason`, the sentence the clerk reads. (A taken identity document
    is no question: patient_register refuses it.)"""
    key = name_key(first_name, last_name)
    digits = phone_digits(phone)
    found: dict = {}
    more_with_phone = 0
    candidates = Patient.objects.filter(merged_into__isnull=True)
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)

    def note(patients: Iterable[Patient], reason: str) -> None:
        for patient in patients:
            if patient.pk not in found:
                patient.duplicate_reason = reason
                found[patient.pk] = patient

    member = document_key(member_number)
    if member:
        same_member = candidates.filter(member_key=member, insurance__provider=scheme)
        note(same_member.order_by("mrn")[:PHONE_MATCHES], f"same {scheme} member number")
    if len(digits) >= 9:
        # The last 9 digits: 0712… and +254712… are the same Kenyan number.
        same_phone = candidates.filter(phone_digits__endswith=digits[-9:]).order_by("mrn")
        first = list(same_phone[:PHONE_MATCHES])
        if len(first) == PHONE_MATCHES:
            more_with_phone = same_phone.count() - PHONE_MATCHES
        note(first, "same phone")
    if date_of_birth:
        # Every patient born that day is compared (a common birth date, such as 1 January for
        # an age only estimated, is shared by thousands): names only, then the few that match.
        similar = [
            pk
            for pk, other in candidates.filter(date_of_birth=date_of_birth).values_list(
                "pk", "name_key"
            )
            if search.names_alike(key, other)
        ]
        note(
            candidates.filter(pk__in=similar).order_by("mrn"),
            "same birth date, a name like this one",
        )
    return Duplicates(found.values(), more_with_phone=more_with_phone, phone=digits[-9:])


def patient_search(query: str, *, include_archived: bool = False) -> QuerySet | list[Patient]:
    """The first SEARCH_LIMIT matches of `patient_matches` (a quick picker's list; a screen that
    shows results pages `patient_matches` and says how many there are)."""
    return patient_matches(query, include_archived=include_archived)[:SEARCH_LIMIT]


def patient_matches(query: str, *, include_archived: bool = False) -> QuerySet | RankedPatients:
    """Every patient found by name (typos, any word order, accents and apostrophes forgiven),
    MRN, phone, identity document or member number, the best match first (clinical.search)."""
    return search.patient_matches(query, include_archived=include_archived)


def latest_registrations() -> QuerySet:
    """The records registered last, newest first: neither archived nor merged into another."""
    active = Patient.objects.exclude(state=PatientState.ARCHIVED).filter(merged_into__isnull=True)
    return active.order_by("-registered_at")


# The patient list's first page (and one row more) and, when it is full, the count of all the
# active records by state, read by queries compiled once (hms.prepared): the list opens there.
LATEST_SHOWN = 25
_LATEST_COLUMNS = (
    "pk",
    "mrn",
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "state",
    "registered_at",
)
_LATEST_FIRST = Prepared(
    lambda: latest_registrations().values(*_LATEST_COLUMNS)[: LATEST_SHOWN + 1]
)
# COUNT(*) with no grouping: PostgreSQL counts the entries of the partial index the list is read
# by (patient_live_recent_idx) without reading the table. Grouped by state, or COUNT(id), it read
# every row: 24 ms of a 50,000-patient hospital's list, against 7 ms (docs/BENCHMARKS.md).
_LATEST_COUNT = Prepared(
    lambda: (
        latest_registrations()
        .order_by()
        .annotate(every=Value(True, output_field=BooleanField()))
        .values("every")
        .annotate(count=Count("*"))
    )
)


@dataclass(frozen=True, slots=True)
class RegisteredPatient:
    """A row of the latest registrations: what the patient list shows of a record (a record has
    ~40 columns; making each row a Patient was half the list's reading)."""

    pk: uuid.UUID
    mrn: str
    first_name: str
    last_name: str
    date_of_birth: date
    phone: str
    state: str
    registered_at: datetime

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def latest_registrations_first() -> tuple[list[RegisteredPatient], int]:
    """latest_registrations()'s first LATEST_SHOWN + 1 rows (what the list shows of each) and
    how many rows it has (one query when they are all there are, two when there are more)."""
    rows = [RegisteredPatient(**row) for row in _LATEST_FIRST.values()]
    if len(rows) <= LATEST_SHOWN:
        return rows, len(rows)
    return rows, sum(row["count"] for row in _LATEST_COUNT.values())


# Every patient page opens the record this way: compiled once (hms.prepared), for staff and for
# a patient opening their own.
_PATIENT = Prepared(
    lambda pk: Patient.objects.select_related("user").filter(pk=pk), pk=uuid.UUID(int=1)
)
_OWN_PATIENT = Prepared(
    lambda pk, user_id: Patient.objects.select_related("user").filter(pk=pk, user_id=user_id),
    pk=uuid.UUID(int=1),
    user_id=-1,
)


# The consultation screen and every action on it open the encounter this way (hms.prepared).
_ENCOUNTER = Prepared(
    lambda pk: (
        Encounter.objects.select_related("patient", "doctor", "appointment")
        .filter(pk=pk)
        .order_by()
    ),
    pk=-1,
)
_ENCOUNTER_PRESCRIPTIONS = Prepared(
    lambda encounter_id: Prescription.objects.select_related("formulary_item").filter(
        encounter_id=encounter_id
    ),
    encounter_id=-1,
)


def encounter_by_id(pk: int) -> Encounter | None:
    """The encounter `pk` with its patient, doctor and appointment, or None."""
    return _ENCOUNTER.one(pk=pk)


def encounter_prescriptions(encounter: Encounter) -> list[Prescription]:
    """The consultation's prescriptions in the order written, with their formulary items."""
    return _ENCOUNTER_PRESCRIPTIONS.all(encounter_id=encounter.pk)


def patient_for(user: User, patient_id: object) -> Patient | None:
    """The patient record `user` may open, or None: a patient only ever gets their own."""
    patient_id = params.uuid_param(patient_id)
    if patient_id is None:  # "x" is nobody's id (and no reason for an error page)
        return None
    if rbac.scope(user, "patients.view_chart") == rbac.OWN:
        return _OWN_PATIENT.one(pk=patient_id, user_id=user.pk)
    return _PATIENT.one(pk=patient_id)


def live_patient_for(user: User, patient_id: object) -> Patient | None:
    """patient_for, a merged record followed to the record kept (its MRN is an alias): what
    other modules' pages open, so nothing is ever added to a record merged away."""
    patient = patient_for(user, patient_id)
    if patient is None or patient.merged_into_id is None:
        return patient
    from clinical.merging import live_record

    return live_record(patient)


def document_for(user: User, document_id: object) -> PatientDocument | None:
    """The document `user` may download (its patient's chart is one they may open), or None."""
    document_id = params.db_id(document_id)
    document = (
        PatientDocument.objects.select_related("patient").filter(pk=document_id).first()
        if document_id
        else None
    )
    if document is None or patient_for(user, document.patient_id) is None:
        return None
    return document


def assigned_doctor_ids(patient_user: User) -> set[int]:
    """User ids of the doctors assigned to the patient whose portal login is `patient_user`:
    those with a non-cancelled appointment with them, and the attending doctor of their active
    admission (wards' admissions, reached through the relation, not an import)."""
    booked = Appointment.objects.filter(LIVE_APPOINTMENT, patient__user=patient_user).values_list(
        "doctor_id", flat=True
    )
    attending = Patient.objects.filter(
        user=patient_user, admissions__discharged_at__isnull=True
    ).values_list("admissions__attending_doctor_id", flat=True)
    return set(booked) | set(attending)


def assigned_patient_user_ids(doctor: User) -> set[int]:
    """Portal-login user ids of the patients `doctor` is assigned to."""
    booked = (
        Appointment.objects.filter(LIVE_APPOINTMENT, doctor=doctor, patient__user__isnull=False)
        .values_list("patient__user_id", flat=True)
        .distinct()
    )
    attending = Patient.objects.filter(
        user__isnull=False,
        admissions__attending_doctor=doctor,
        admissions__discharged_at__isnull=True,
    ).values_list("user_id", flat=True)
    return set(booked) | set(attending)


# --- schedules and slots -------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    fee: Decimal
    free: bool


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def overlapping_appointments(
    *,
    starts_at: datetime,
    ends_at: datetime,
    doctor: User | None = None,
    patient: Patient | None = None,
    excluding: Appointment | None = None,
) -> QuerySet:
    """The live appointments of `doctor` (or of `patient`, with any doctor) that overlap
    [starts_at, ends_at): one starts before the other ends and ends after the other starts. Two
    appointments touching end to start (09:00-09:15 and 09:15-09:30) do not overlap."""
    found = Appointment.objects.filter(
        LIVE_APPOINTMENT, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if doctor is not None:
        found = found.filter(doctor=doctor)
    if patient is not None:
        found = found.filter(patient=patient)
    if excluding is not None:
        found = found.exclude(pk=excluding.pk)
    return found.select_related("doctor", "patient").order_by("starts_at")


def appointments_in_days(doctor: User, days: Iterable[tuple[date, str]]) -> QuerySet:
    """The doctor's live appointments still to come (scheduled, checked in or in consultation)
    that fall in `days`: (date, part) pairs, part "day", "morning" or "afternoon" as in
    `clinical.services.schedules.days_off_for_leave` (split at HALF_DAY_SPLIT, hospital time).
    What approving a doctor's leave would leave booked; hr counts them before the admin confirms.
    """
    spans = Q()
    for day, part in days:
        start = _aware(day, HALF_DAY_SPLIT if part == "afternoon" else time.min)
        end = (
            _aware(day, HALF_DAY_SPLIT)
            if part == "morning"
            else _aware(day + timedelta(days=1), time.min)
        )
        spans |= Q(starts_at__lt=end, ends_at__gt=start)
    if not spans:
        return Appointment.objects.none()
    return (
        Appointment.objects.filter(
            spans,
            doctor=doctor,
            status__in=[AppointmentStatus.SCHEDULED, *ARRIVED_STATUSES],
            ends_at__gt=timezone.now(),
        )
        .select_related("patient")
        .order_by("starts_at")
    )


def day_off_at(doctor: User, starts_at: datetime) -> ScheduleException | None:
    """The doctor's day off (ScheduleException, any source: leave or set by hand) that closes the
    moment `starts_at` (hospital time): a whole day off on that date, or hours off that contain
    it. None when the doctor is not away then. The whole day first."""
    local = timezone.localtime(starts_at)
    return (
        ScheduleException.objects.filter(doctor=doctor, date=local.date())
        .filter(
            Q(start_time__isnull=True) | Q(start_time__lte=local.time(), end_time__gt=local.time())
        )
        .order_by(F("start_time").asc(nulls_first=True), "pk")
        .first()
    )


def whole_day_off(doctor: User, day: date) -> ScheduleException | None:
    """The doctor's whole day off on `day` (leave or set by hand), to say why it offers no time."""
    return (
        ScheduleException.objects.filter(doctor=doctor, date=day, start_time__isnull=True)
        .order_by("pk")
        .first()
    )


def _days_off_over(appointment_ref: str = "doctor") -> QuerySet:
    """The days off of the outer appointment's doctor that overlap it (hospital time): the whole
    day, or hours off meeting its own. For Exists/Subquery over appointments annotated with
    `local_day`, `local_start` and `local_end` (TruncDate/TruncTime in the hospital's zone)."""
    return ScheduleException.objects.filter(
        Q(start_time__isnull=True)
        | Q(start_time__lt=OuterRef("local_end"), end_time__gt=OuterRef("local_start")),
        doctor=OuterRef(appointment_ref),
        date=OuterRef("local_day"),
    ).order_by(F("start_time").asc(nulls_first=True), "pk")


def _to_move(now: datetime) -> QuerySet:
    closing = _days_off_over()
    return (
        Appointment.objects.filter(status=AppointmentStatus.SCHEDULED, ends_at__gt=now)
        .annotate(
            local_day=TruncDate("starts_at"),
            local_start=TruncTime("starts_at"),
            local_end=TruncTime("ends_at"),
        )
        .filter(Exists(closing))
        .annotate(day_off_reason=Subquery(closing.values("reason")[:1]))
        .select_related("patient", "doctor")
        .order_by("starts_at", "pk")
    )


@functools.cache
def _first_to_move(size: int, zone: str) -> Prepared:
    """The first `size` appointments to move (hms.prepared; one per size and time zone: the
    hospital's days are cut in its zone, which the SQL names)."""
    return Prepared(lambda now: _to_move(now)[:size], now=datetime(2000, 1, 1, tzinfo=UTC))


def appointments_to_move_first(size: int) -> list[Appointment]:
    """The first `size` rows of appointments_to_move() (for paging's first_rows), by a query
    compiled once."""
    return _first_to_move(size, timezone.get_current_timezone_name()).all(now=timezone.now())


def appointments_to_move() -> QuerySet:
    """The scheduled appointments still to come (not ended yet) whose time falls inside a day off
    of their doctor (leave or set by hand: whole day or hours), each annotated with
    `day_off_reason` (the day off's reason, "" when none was given), ordered by time. Checked-in
    patients are not listed: they are at the desk already, and are seen or sent home there.
    One query for the rows (and one to count them), however many there are."""
    return _to_move(timezone.now())


# What slots_for reads, each compiled once (hms.prepared): the doctor's clinic hours of a
# weekday, their exceptions of a date, and the live appointments holding the day (the doctor's,
# and the patient's with any doctor when a patient is given).
_DAY_BLOCKS = Prepared(
    lambda doctor_id, weekday: DoctorSchedule.objects.filter(
        doctor_id=doctor_id, weekday=weekday, active=True
    ).order_by("start_time"),
    doctor_id=-1,
    # A small positive column: its stand-ins (this and 7,919 less) must fit it.
    weekday=9999,
)
_DAY_EXCEPTIONS = Prepared(
    lambda doctor_id, day: ScheduleException.objects.filter(doctor_id=doctor_id, date=day),
    doctor_id=-1,
    day=date(2000, 1, 1),
)


def _busy(doctor_id: int, patient_id: uuid.UUID | None, start: datetime, end: datetime) -> QuerySet:
    holders = Q(doctor_id=doctor_id)
    if patient_id is not None:
        holders |= Q(patient_id=patient_id)
    return Appointment.objects.filter(
        holders, LIVE_APPOINTMENT, starts_at__lt=end, ends_at__gt=start
    )


_BUSY = Prepared(
    lambda doctor_id, start, end: _busy(doctor_id, None, start, end).values("starts_at", "ends_at"),
    doctor_id=-1,
    start=datetime(2000, 1, 1, tzinfo=UTC),
    end=datetime(2000, 1, 2, tzinfo=UTC),
)
_BUSY_WITH_PATIENT = Prepared(
    lambda doctor_id, patient_id, start, end: _busy(doctor_id, patient_id, start, end).values(
        "starts_at", "ends_at"
    ),
    doctor_id=-1,
    patient_id=uuid.UUID(int=1),
    start=datetime(2000, 1, 1, tzinfo=UTC),
    end=datetime(2000, 1, 2, tzinfo=UTC),
)


def slots_for(
    doctor: User,
    day: date,
    *,
    now: datetime | None = None,
    patient: Patient | None = None,
    moving: Appointment | None = None,
) -> list[Slot]:
    """The doctor's slots on `day` (hospital time): from the weekly schedule, less the day's
    exceptions; each marked free unless it has already begun or a live appointment overlaps it:
    the doctor's (whatever slot length it was booked with: the schedule may have changed since)
    and, when `patient` is given, the patient's with any doctor. The appointment being `moving`
    does not hold its own time."""
    now = now or timezone.now()
    exceptions = _DAY_EXCEPTIONS.all(doctor_id=doctor.pk, day=day)
    if any(e.start_time is None for e in exceptions):
        return []
    day_start = _aware(day, time.min)
    day_end = day_start + timedelta(days=1)
    if moving is not None:
        busy = _busy(doctor.pk, patient.pk if patient is not None else None, day_start, day_end)
        taken = list(busy.exclude(pk=moving.pk).values_list("starts_at", "ends_at"))
    elif patient is not None:
        found = _BUSY_WITH_PATIENT.values(
            doctor_id=doctor.pk, patient_id=patient.pk, start=day_start, end=day_end
        )
        taken = [(row["starts_at"], row["ends_at"]) for row in found]
    else:
        found = _BUSY.values(doctor_id=doctor.pk, start=day_start, end=day_end)
        taken = [(row["starts_at"], row["ends_at"]) for row in found]
    slots = []
    for block in _DAY_BLOCKS.all(doctor_id=doctor.pk, weekday=day.weekday()):
        start = _aware(day, block.start_time)
        block_end = _aware(day, block.end_time)
        step = timedelta(minutes=block.slot_minutes)
        while start + step <= block_end:
            blocked = any(
                _aware(day, e.start_time) < start + step and start < _aware(day, e.end_time)
                for e in exceptions
            )
            if not blocked:
                overlaps = any(
                    held_from < start + step and start < held_to for held_from, held_to in taken
                )
                slots.append(
                    Slot(start, start + step, block.consultation_fee, not overlaps and start > now)
                )
            start += step
    return slots


def next_free_slots(
    doctor: User, after: datetime, *, count: int = 5, days: int = 14, patient: Patient | None = None
) -> list[Slot]:
    """The first free slots of `doctor` from `after` on (the offer when a slot has just gone),
    free for `patient` too when given."""
    found: list[Slot] = []
    day = timezone.localtime(after).date()
    for offset in range(days):
        for slot in slots_for(doctor, day + timedelta(days=offset), patient=patient):
            if slot.free and slot.starts_at >= after:
                found.append(slot)
                if len(found) == count:
                    return found
    return found


# How far ahead the desk is offered the doctor's own next free times (a leave of weeks).
MOVE_OFFER_DAYS = 31
MOVE_OFFERS = 3


def move_offers(appointment: Appointment) -> dict:
    """What the desk may move an appointment to when its doctor is away: `same_doctor`, the
    doctor's next free slots after the day off (the closed days offer none), and `other_doctors`,
    (doctor, slot) pairs: other doctors with a free slot the same day, the one nearest the
    booked time, up to MOVE_OFFERS of each; all free for the patient too. Reads the slots of
    each day looked at (a few queries a day): for one appointment, not a list."""
    patient, starts_at = appointment.patient, appointment.starts_at
    after = max(starts_at, timezone.now())
    same = next_free_slots(
        appointment.doctor, after, count=MOVE_OFFERS, days=MOVE_OFFER_DAYS, patient=patient
    )
    day = timezone.localtime(starts_at).date()
    seeing_that_day = (
        doctors()
        .exclude(pk=appointment.doctor_id)
        .filter(schedule_blocks__weekday=day.weekday(), schedule_blocks__active=True)
        .distinct()
    )
    others = []
    for doctor in seeing_that_day:
        free = [
            slot
            for slot in slots_for(doctor, day, patient=patient, moving=appointment)
            if slot.free
        ]
        if free:
            nearest = min(free, key=lambda slot: abs(slot.starts_at - starts_at))
            others.append((doctor, nearest))
            if len(others) == MOVE_OFFERS:
                break
    return {"appointment": appointment, "same_doctor": same, "other_doctors": others}


_DOCTOR = Prepared(lambda pk: doctors().filter(pk=pk)[:1], pk=-1)


def doctor_by_id(pk: int) -> User | None:
    """The active doctor `pk` with their department, or None (a picker's choice, an address's
    ?doctor=): compiled once (hms.prepared)."""
    found = _DOCTOR.all(pk=pk)
    return found[0] if found else None


def doctors() -> QuerySet[User]:
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(role=rbac.DOCTOR, is_active=True)
        .select_related("department")
        .order_by("last_name", "first_name")
    )


def appointments_for(user: User) -> QuerySet:
    """The appointments `user` may see: all for the desk and wards, a doctor's own, a patient's
    own."""
    appointments = Appointment.objects.select_related("patient", "doctor")
    scope = rbac.scope(user, "appointments.view")
    if scope is None:
        return appointments.none()
    if scope == rbac.OWN and rbac.scope(user, "patients.view_chart") == rbac.OWN:
        return appointments.filter(patient__user=user)  # a patient: their own appointments
    if scope == rbac.OWN:
        return appointments.filter(doctor=user)  # a doctor: the appointments with them
    return appointments


# --- the patient's history (clinical.timeline) -----------------------------------------------


def patient_timeline_count(patient: Patient, *, before: datetime | None = None) -> int:
    """How many events the patient's timeline has (before the cursor, when given): counted in the
    database in one query, however long the history."""
    return timeline.count(patient, before=before)


def patient_timeline(
    patient: Patient, *, before: datetime | None = None, size: int = 25
) -> list[Event]:
    """One timeline of everything that happened to the patient, newest first, `size` at a time
    (one query whatever the page: each kind contributes its newest `size` before the cursor, and
    the merge keeps the newest `size` of those)."""
    return patient_timeline_page(patient, before=before, size=size)[0]


def patient_timeline_page(
    patient: Patient, *, before: datetime | None = None, size: int = 25
) -> tuple[list[Event], int]:
    """(the page of patient_timeline, how many events the timeline has from the cursor on): one
    query, and one more to count the kinds that filled their window (a short history asks none)."""
    return timeline.page(patient, before=before, size=size)


# --- vitals ------------------------------------------------------------------------------------

CHARTED_VITALS = ("temperature_c", "pulse", "systolic", "diastolic", "spo2")


def vitals_columns() -> list[Range]:
    """The vitals table's columns: every measured vital with its unit and normal range."""
    return list(RANGES.values())


def vitals_rows(records: Iterable[Vitals]) -> list[dict]:
    """Each reading with its values in column order, each beside its flag (high, low or none),
    and its NEWS2 (clinical.news2.News2, None for a set with no measured reading)."""
    return [
        {
            "record": record,
            "cells": [
                (
                    value := getattr(record, name),
                    flag(name, value, spo2_scale=record.spo2_scale, on_oxygen=record.on_oxygen),
                )
                for name in RANGES
            ],
            "news2": news2_of_record(record),
        }
        for record in records
    ]


# A set holding any measured reading NEWS2 scores (a weight alone is not an observation round).
SCORED_SET = Q()
for _name in news2.MEASURED:
    SCORED_SET |= Q(**{f"{_name}__isnull": False})


# A complete set: all seven of the chart's parameters (clinical.news2.SCORED) recorded.
COMPLETE_SET = Q(**{f"{name}__isnull": False for name in news2.SCORED}) & ~Q(consciousness="")


def latest_observations(patient_ids: Iterable, *, since: datetime | None = None) -> dict:
    """Each patient's latest scored set of vitals (recorded since `since`, when given), by
    patient id: {"record": Vitals, "news2": clinical.news2.News2} where the NEWS2 is where the
    patient stands (clinical.news2.standing: an incomplete latest set never shows lower than the
    latest complete one). Two queries however many patients (the vitals' patient/time index
    answers each patient's latest)."""
    patient_ids = list(patient_ids)
    if not patient_ids:
        # No query to run: building the two subqueries alone costs a few milliseconds (an
        # empty doctor's day, an empty ward).
        return {}
    if len(patient_ids) == 1:
        return _latest_observation_of(patient_ids[0], since=since)
    latest = Vitals.objects.filter(SCORED_SET, patient=OuterRef("pk"))
    if since is not None:
        latest = latest.filter(recorded_at__gte=since)
    complete = latest.filter(COMPLETE_SET)
    ids = Patient.objects.filter(pk__in=list(patient_ids)).annotate(
        latest=Subquery(latest.order_by("-recorded_at", "-id").values("pk")[:1]),
        complete=Subquery(complete.order_by("-recorded_at", "-id").values("pk")[:1]),
    )
    ids = list(ids.filter(latest__isnull=False).values("pk", "latest", "complete"))
    records = Vitals.objects.in_bulk(
        [pk for row in ids for pk in (row["latest"], row["complete"]) if pk]
    )
    found = {}
    for row in ids:
        record, last_complete = records[row["latest"]], records.get(row["complete"])
        score = news2.standing(
            news2_of_record(record), news2_of_record(last_complete) if last_complete else None
        )
        found[row["pk"]] = {"record": record, "news2": score}
    return found


# One patient's newest scored set, and newest complete set (hms.prepared: every patient page's
# banner asks them; `since` none, the common case).
_NEWEST_SCORED = Prepared(
    lambda patient_id: Vitals.objects.filter(SCORED_SET, patient_id=patient_id).order_by(
        "-recorded_at", "-id"
    )[:1],
    patient_id=uuid.UUID(int=1),
)
_NEWEST_COMPLETE = Prepared(
    lambda patient_id: Vitals.objects.filter(
        SCORED_SET, COMPLETE_SET, patient_id=patient_id
    ).order_by("-recorded_at", "-id")[:1],
    patient_id=uuid.UUID(int=1),
)


def _latest_observation_of(patient_id: int, *, since: datetime | None) -> dict:
    """latest_observations of one patient (every patient page's banner): one query when the
    latest scored set is complete, as it most often is; two otherwise."""
    if since is None:
        newest = _NEWEST_SCORED.all(patient_id=patient_id)
        record = newest[0] if newest else None
    else:
        scored = Vitals.objects.filter(SCORED_SET, patient_id=patient_id, recorded_at__gte=since)
        record = scored.order_by("-recorded_at", "-id").first()
    if record is None:
        return {}
    own = news2_of_record(record)
    if own is not None and own.complete:
        return {patient_id: {"record": record, "news2": news2.standing(own, own)}}
    if since is None:
        newest = _NEWEST_COMPLETE.all(patient_id=patient_id)
        last_complete = newest[0] if newest else None
    else:
        last_complete = scored.filter(COMPLETE_SET).order_by("-recorded_at", "-id").first()
    score = news2.standing(own, news2_of_record(last_complete) if last_complete else None)
    return {patient_id: {"record": record, "news2": score}}


# A doctor's day (the doctor's today screen, refreshed live): its appointments, and the latest
# scored and latest complete sets of vitals of its patients, each compiled once (hms.prepared).
def _doctor_day(doctor_id: int, start: datetime, end: datetime) -> QuerySet:
    return Appointment.objects.filter(
        doctor_id=doctor_id, starts_at__gte=start, starts_at__lt=end
    ).exclude(status=AppointmentStatus.CANCELLED)


_DOCTOR_DAY = Prepared(
    lambda doctor_id, start, end: (
        _doctor_day(doctor_id, start, end).select_related("patient").order_by("starts_at")
    ),
    doctor_id=-1,
    start=datetime(2000, 1, 1, tzinfo=UTC),
    end=datetime(2000, 1, 2, tzinfo=UTC),
)


def _doctor_day_vitals(doctor_id: int, start: datetime, end: datetime, since: datetime) -> QuerySet:
    latest = Vitals.objects.filter(
        SCORED_SET, patient=OuterRef("patient_id"), recorded_at__gte=since
    ).order_by("-recorded_at", "-id")
    complete = latest.filter(COMPLETE_SET)
    day = _doctor_day(doctor_id, start, end).order_by()
    # One UNION of the two lists of ids, not two `IN`s joined by OR, which PostgreSQL answers by
    # reading every set of vitals there is (wards.selectors._readings_of says more).
    latest_ids = day.annotate(set_id=Subquery(latest.values("pk")[:1])).values("set_id")
    complete_ids = day.annotate(set_id=Subquery(complete.values("pk")[:1])).values("set_id")
    return Vitals.objects.filter(pk__in=latest_ids.union(complete_ids)).order_by(
        "patient_id", "-recorded_at", "-id"
    )


_DOCTOR_DAY_VITALS = Prepared(
    _doctor_day_vitals,
    doctor_id=-1,
    start=datetime(2000, 1, 1, tzinfo=UTC),
    end=datetime(2000, 1, 2, tzinfo=UTC),
    since=datetime(1999, 12, 1, tzinfo=UTC),
)


def doctor_day(doctor: User, day: date, *, observed_since: datetime | None = None) -> list:
    """The doctor's appointments of `day` (the hospital's day) that are not cancelled, in time
    order, with their patients. With `observed_since`, each appointment carries `latest`: its
    patient's latest observations since then as latest_observations gives them ({"record",
    "news2"}, or None). Two queries, each compiled once, however many appointments."""
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = start + timedelta(days=1)
    appointments = _DOCTOR_DAY.all(doctor_id=doctor.pk, start=start, end=end)
    if observed_since is None or not appointments:
        return appointments
    # Each patient's latest scored set and latest complete set (the same set when the latest is
    # complete), newest first: the standing of the first against the second.
    sets: dict = {}
    for record in _DOCTOR_DAY_VITALS.all(
        doctor_id=doctor.pk, start=start, end=end, since=observed_since
    ):
        sets.setdefault(record.patient_id, []).append(record)
    latest = {}
    for patient_id, (record, *older) in sets.items():
        last_complete = older[0] if older else None
        score = news2.standing(
            news2_of_record(record), news2_of_record(last_complete) if last_complete else None
        )
        latest[patient_id] = {"record": record, "news2": score}
    for appointment in appointments:
        appointment.latest = latest.get(appointment.patient_id)
    return appointments


def latest_observation_among(newest_first: Iterable[Vitals]) -> dict | None:
    """latest_observations' answer for one patient, read from readings already in hand: the
    patient's newest readings, newest first, with no newer one left out (a stay in progress's
    chart). {"record", "news2"} as latest_observations gives it, or None when these readings do
    not settle it (no scored set among them, or the newest scored set is incomplete and no
    complete set follows it here): then ask latest_observations. No query."""
    newest = own = None
    for record in newest_first:
        score = news2_of_record(record)
        if score is None:
            continue
        if newest is None:
            newest, own = record, score
        if score.complete:
            return {"record": newest, "news2": news2.standing(own, score)}
    return None


def latest_complete_set(record: Vitals) -> Vitals | None:
    """The patient's latest complete set recorded at or before `record` (itself when complete)."""
    return (
        Vitals.objects.filter(COMPLETE_SET, patient_id=record.patient_id)
        .filter(recorded_at__lte=record.recorded_at)
        .order_by("-recorded_at", "-id")
        .first()
    )


def news2_of_record(record: Vitals) -> news2.News2 | None:
    """The NEWS2 of a saved set (None when it holds no measured reading)."""
    return news2.news2_of({name: getattr(record, name) for name in news2.FIELDS})


# Nurses who recorded a set on the ward within this many hours are taken as working it now.
WARD_SHIFT_HOURS = 12


def news2_alert_recipients(record: Vitals, score: news2.News2) -> tuple[str, list[User]]:
    """Who hears of a set's NEWS2, and as what: ("urgent" | "emergency" | "", [users]).

    The doctor is the attending doctor of the patient's open admission (for an outpatient, the
    doctor of their open consultation, if any). Urgent (5-6, or a 3 in one parameter) also goes
    to the ward's nurses: the nurses who recorded a set on that ward's patients in the last
    WARD_SHIFT_HOURS hours (HMS ties no nurse to a ward; working it is the sign), every active
    nurse when nobody has yet, never the nurse who took this set (she has it in front of her).
    Emergency (7 or more) goes to the doctor and the administrators on duty: every active
    administrator (the roster holds no administrators: docs/DECISIONS.md).
    """
    response = score.response
    if not response:
        return "", []
    patient = record.patient
    # wards' admission, reached through the relation (clinical imports no wards).
    admission = (
        patient.admissions.filter(discharged_at__isnull=True)
        .select_related("attending_doctor", "bed")
        .first()
    )
    doctor = admission.attending_doctor if admission else None
    if doctor is None:
        encounter = (
            patient.encounters.filter(status=Encounter.Status.OPEN)
            .select_related("doctor")
            .order_by("-started_at")
            .first()
        )
        doctor = encounter.doctor if encounter else None
    people = [doctor] if doctor is not None and doctor.is_active else []
    if response == "emergency":
        people += list(User.objects.filter(role=rbac.ADMIN, is_active=True))
    elif admission is not None:
        since = record.recorded_at - timedelta(hours=WARD_SHIFT_HOURS)
        active_nurses = User.objects.filter(role=rbac.NURSE, is_active=True)
        working = active_nurses.filter(
            pk__in=Vitals.objects.filter(
                patient__admissions__bed__ward_id=admission.bed.ward_id,
                patient__admissions__discharged_at__isnull=True,
                recorded_at__gte=since,
            ).values("recorded_by_id")
        )
        nurses = list(working) or list(active_nurses)
        people += [nurse for nurse in nurses if nurse.pk != record.recorded_by_id]
    unique = {person.pk: person for person in people}
    return response, list(unique.values())


def news2_alert_before(record: Vitals) -> Vitals | None:
    """The latest earlier set of `record`'s patient that raised a NEWS2 alert in the current
    stay: since the open admission began, or for a patient not admitted within the last
    WARD_SHIFT_HOURS hours (an alert of an earlier stay is no one's to act on now)."""
    admission = record.patient.admissions.filter(discharged_at__isnull=True).first()
    since = (
        admission.admitted_at
        if admission is not None
        else record.recorded_at - timedelta(hours=WARD_SHIFT_HOURS)
    )
    return (
        Vitals.objects.filter(patient_id=record.patient_id, recorded_at__gte=since)
        .exclude(pk=record.pk)
        .exclude(alert_event="")
        .order_by("-recorded_at", "-id")
        .first()
    )


def vitals_saved(record: Vitals) -> dict:
    """What the nurse sees first after saving a set: the row (as vitals_rows makes it), the
    readings out of range by name ("Pulse 131 /min high"), the NEWS2, when the next set is due
    by it, and who was told: the people its alert went to, or (`covered_by`) the earlier set
    whose alert was still waiting for acknowledgement, so no new one was sent."""
    row = vitals_rows([record])[0]
    flagged = [
        f"{spec.label} {value} {spec.unit} {mark}"
        for spec, (value, mark) in zip(RANGES.values(), row["cells"], strict=True)
        if mark
    ]
    score = row["news2"]
    told, covered_by = [], None
    if record.alert_event:
        first = (
            Vitals.objects.filter(patient_id=record.patient_id, alert_event=record.alert_event)
            .order_by("recorded_at", "id")
            .first()
        )
        if first is not None and first.pk != record.pk:
            covered_by = first
        else:  # messaging's notifications, reached through the relation: in the order sent
            told = User.objects.filter(
                notifications__event=record.alert_event, notifications__is_escalation=False
            ).order_by("notifications__id")
    due_at, standing = None, score
    if score is not None:
        # An incomplete set stands no lower, and is due no later, than the latest complete set of
        # the stay (clinical.news2.standing, next_due).
        complete = None if score.complete else latest_complete_set(record)
        complete_score = news2_of_record(complete) if complete else None
        standing = news2.standing(score, complete_score)
        # wards' admission, reached through the relation (clinical imports no wards); an
        # outpatient's "stay" reaches back to that complete set.
        admission = record.patient.admissions.filter(discharged_at__isnull=True).first()
        since = complete.recorded_at if complete else record.recorded_at
        due_at = news2.next_due(
            last_at=record.recorded_at,
            news2=score,
            admitted_at=admission.admitted_at if admission else since,
            complete_at=complete.recorded_at if complete else None,
            complete=complete_score,
        )
    return row | {
        "flagged": flagged,
        "news2": standing,
        "next_due_at": due_at,
        "response": score.response if score else "",
        "told": [person.get_full_name() or person.username for person in told],
        "covered_by": covered_by,
    }


def vitals_chart(page: Page, readings: QuerySet, limit: int) -> tuple[dict[str, list[dict]], int]:
    """The chart's series (oldest first) and how many readings it plots: a window of the latest
    `limit` readings whatever page of the table is open (page 1 already holds them)."""
    latest = page.object_list if page.number == 1 else readings[:limit]
    charted = list(latest)[:limit]
    return chart_series(charted), len(charted)


def chart_series(newest_first: Iterable[Vitals]) -> dict[str, list[dict]]:
    """What static/js/vitals-chart.js draws from these readings (newest first, as the tables
    hold them): each charted vital, and "news2" (the score of each scored set), oldest first as
    {"x": "30 Nov 14:00", "y": value}; "at", every reading's time in order (the x axis), so a
    reading without a value leaves a gap in its line only."""
    oldest_first = list(newest_first)[::-1]
    when = {r.pk: timezone.localtime(r.recorded_at).strftime("%d %b %H:%M") for r in oldest_first}
    series = {
        name: [
            {"x": when[r.pk], "y": float(v)}
            for r in oldest_first
            if (v := getattr(r, name)) is not None
        ]
        for name in CHARTED_VITALS
    }
    series["at"] = list(dict.fromkeys(when[r.pk] for r in oldest_first))
    series["news2"] = [
        {"x": when[r.pk], "y": score.score}
        for r in oldest_first
        if (score := news2_of_record(r)) is not None
    ]
    return series


@functools.cache
def _stay_readings(limit: int) -> Prepared:
    """The newest `limit` readings of a stay in progress (hms.prepared; one per `limit`)."""
    return Prepared(
        lambda patient_id, since: Vitals.objects.filter(
            patient_id=patient_id, recorded_at__gte=since
        ).order_by("-recorded_at", "-id")[:limit],
        patient_id=uuid.UUID(int=1),
        since=datetime(2000, 1, 1, tzinfo=UTC),
    )


def episode_vitals_chart(
    patient_id: object, *, since: datetime, until: datetime | None = None, limit: int
) -> tuple[dict[str, list[dict]], int, int, dict | None]:
    """The vitals of one stay (recorded from `since` to `until`, or to now) for its chart: the
    series of the latest `limit` readings (chart_series), how many it plots, how many the stay
    holds, and, for a stay in progress, the patient's latest observations when its readings
    settle them (latest_observation_among; None: ask latest_observations). Two queries however
    many."""
    readings = Vitals.objects.filter(patient_id=patient_id, recorded_at__gte=since)
    latest = None
    if until is not None:
        readings = readings.filter(recorded_at__lte=until)
        charted = list(readings.order_by("-recorded_at", "-id")[:limit])
    else:  # a stay in progress (every admission page): compiled once; nothing newer left out
        charted = _stay_readings(limit).all(patient_id=patient_id, since=since)
        latest = latest_observation_among(charted)
    total = len(charted) if len(charted) < limit else readings.count()
    return chart_series(charted), len(charted), total, latest


# --- what the appointment screens show ------------------------------------------------------


def portal_appointments(user: User) -> dict:
    """A patient's own appointments: the upcoming ones (from 12 hours ago on) and the past ones,
    newest first (the view pages them)."""
    since = timezone.now() - timedelta(hours=12)
    mine = appointments_for(user)
    return {
        "upcoming": mine.filter(starts_at__gte=since),
        "past": mine.filter(starts_at__lt=since).order_by("-starts_at", "-pk"),
    }


_DOCTOR_NAMES = Prepared(
    lambda: doctors().select_related(None).only("first_name", "last_name", "username")
)


# A day's first page of appointments (and one row more), every doctor's or one doctor's, in
# any status: the list as the desk and a doctor open it, read by queries compiled once.
DAY_SHOWN = 50
_DAY_ORDER = ("starts_at", "doctor__last_name", "pk")
_DAY_FIRST = Prepared(
    lambda start, end: (
        Appointment.objects.select_related("patient", "doctor")
        .filter(starts_at__gte=start, starts_at__lt=end)
        .order_by(*_DAY_ORDER)[: DAY_SHOWN + 1]
    ),
    start=datetime(2000, 1, 1, tzinfo=UTC),
    end=datetime(2000, 1, 2, tzinfo=UTC),
)
_DAY_FIRST_OF_DOCTOR = Prepared(
    lambda start, end, doctor_id: (
        Appointment.objects.select_related("patient", "doctor")
        .filter(starts_at__gte=start, starts_at__lt=end, doctor_id=doctor_id)
        .order_by(*_DAY_ORDER)[: DAY_SHOWN + 1]
    ),
    start=datetime(2000, 1, 1, tzinfo=UTC),
    end=datetime(2000, 1, 2, tzinfo=UTC),
    doctor_id=-1,
)


def _day_first_rows(
    user: User, start: datetime, end: datetime, doctor_id: int | None, status: str
) -> Callable[[], list] | None:
    """For hms.paging.page_of(first_rows=): the day's first DAY_SHOWN + 1 appointments by a
    prepared query, for the desk and the wards (all, or one doctor's) and for a doctor (their
    own); None for a status chosen or a patient."""
    if status:
        return None
    scope = rbac.scope(user, "appointments.view")
    if scope == rbac.ALL:
        if doctor_id:
            return lambda: _DAY_FIRST_OF_DOCTOR.all(start=start, end=end, doctor_id=doctor_id)
        return lambda: _DAY_FIRST.all(start=start, end=end)
    if scope == rbac.OWN and rbac.scope(user, "patients.view_chart") != rbac.OWN:
        if doctor_id and doctor_id != user.pk:
            return None
        return lambda: _DAY_FIRST_OF_DOCTOR.all(start=start, end=end, doctor_id=user.pk)
    return None


def appointment_day_page(user: User, *, day: date, doctor_id: int | None, status: str = "") -> dict:
    """The desk's list of a day: its appointments (of one doctor when chosen, in one status
    when chosen: an AppointmentStatus value, "" for any; the view pages them, the first page
    read by `first_rows` when it is not None), the days either side, the doctors and statuses
    to choose from and whether `user` may book."""
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = start + timedelta(days=1)
    appointments = appointments_for(user).filter(starts_at__gte=start, starts_at__lt=end)
    if doctor_id:
        appointments = appointments.filter(doctor_id=doctor_id)
    if status:
        appointments = appointments.filter(status=status)
    return {
        "first_rows": _day_first_rows(user, start, end, doctor_id, status),
        "status": status,
        "statuses": AppointmentStatus.choices,
        "day": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "appointments": appointments.order_by("starts_at", "doctor__last_name", "pk"),
        # The picker shows each doctor's name: their other columns and department are not read
        # (59 whole rows cost the large hospital's list a tenth of its time); compiled once.
        "doctors": _DOCTOR_NAMES.all(),
        "doctor_id": str(doctor_id or ""),
        "can_book": rbac.allows(user, "appointments.book"),
    }


def booking_page(
    *,
    patient: Patient | None,
    doctor: User,
    day: date,
    refusal: Refusal | None,
    reason: str,
    max_day: date,
) -> dict:
    """The booking form: the doctors, the free slots of the chosen doctor's day (free for the
    patient too), and after a refused booking its sentence beside its field and, when the slot
    was just taken, the next free ones."""
    slots = slots_for(doctor, day, patient=patient) if doctor else []
    return {
        "patient": patient,
        "doctors": doctors(),
        "doctor": doctor,
        "day": day,
        "slots": slots,
        # Why a day offers no time at all, when the doctor is away (asked only then).
        "day_off": whole_day_off(doctor, day) if doctor and not slots else None,
        "error": str(refusal) if refusal is not None else "",
        "error_field": refusal.field if refusal is not None else None,
        "offered": getattr(refusal, "next_free", []),
        "reason": reason,
        "max_day": max_day,
    }


CHART_PANEL = 10

# The chart's panels, their first CHART_PANEL + 1 rows compiled once (hms.prepared): the record's
# state changes, and its appointments as the desk and wards see them (all) or a doctor (their own).
_CHART_STATE_CHANGES = Prepared(
    lambda patient_id: PatientStateChange.objects.filter(patient_id=patient_id).select_related(
        "by"
    )[: CHART_PANEL + 1],
    patient_id=uuid.UUID(int=1),
)
_CHART_APPOINTMENTS = Prepared(
    lambda patient_id: (
        Appointment.objects.select_related("patient", "doctor")
        .filter(patient_id=patient_id)
        .order_by("-starts_at")[: CHART_PANEL + 1]
    ),
    patient_id=uuid.UUID(int=1),
)
_CHART_OWN_APPOINTMENTS = Prepared(
    lambda patient_id, doctor_id: (
        Appointment.objects.select_related("patient", "doctor")
        .filter(doctor_id=doctor_id)
        .filter(patient_id=patient_id)
        .order_by("-starts_at")[: CHART_PANEL + 1]
    ),
    patient_id=uuid.UUID(int=1),
    doctor_id=-1,
)


def _chart_appointments(user: User, patient: Patient) -> Callable[[], list] | None:
    """For paging.first_of(first_rows=): the chart's first appointments as appointments_for(user)
    gives them, by a prepared query for the desk, the wards and a doctor; None otherwise."""
    scope = rbac.scope(user, "appointments.view")
    if scope == rbac.ALL:
        return lambda: _CHART_APPOINTMENTS.all(patient_id=patient.pk)
    if scope == rbac.OWN and rbac.scope(user, "patients.view_chart") != rbac.OWN:
        return lambda: _CHART_OWN_APPOINTMENTS.all(patient_id=patient.pk, doctor_id=user.pk)
    return None


def patient_chart_page(user: User, patient: Patient) -> dict:
    """A patient's chart as `user` may see it: short panels of the latest few (the whole history
    is paged elsewhere) and what `user` may do with the record."""
    scope = rbac.scope(user, "patients.view_chart")
    return {
        "patient": patient,
        "clinical_view": scope != rbac.DEMOGRAPHICS,
        # The patient reading their own record: no record states (staff's lifecycle words).
        "is_portal": scope == rbac.OWN,
        "history": paging.first_of(
            patient.state_changes.select_related("by"),
            CHART_PANEL,
            first_rows=lambda: _CHART_STATE_CHANGES.all(patient_id=patient.pk),
        ),
        "can_edit": rbac.allows(user, "patients.register"),
        "can_record_vitals": rbac.allows(user, "vitals.record"),
        "can_see_account": rbac.scope(user, "billing.invoices") == rbac.ALL,
        # The lab's panel of the patient's tests (staff who see results; not the desk's view).
        "can_see_tests": rbac.scope(user, "tests.view_results") == rbac.ALL,
        "can_archive": PatientState.ARCHIVED in lifecycle.ALLOWED[patient.state],
        "can_book": rbac.allows(user, "appointments.book") and not patient.is_archived,
        "appointments": paging.first_of(
            appointments_for(user).filter(patient=patient).order_by("-starts_at"),
            CHART_PANEL,
            first_rows=_chart_appointments(user, patient),
        ),
        "can_see_history": scope == rbac.ALL,
        "can_merge": rbac.allows(user, "patients.merge"),
        # Records merged into this one (their MRNs lead here), for those who may undo a merge.
        "merges_in": list(
            PatientMerge.objects.filter(survivor=patient, unmerged_at__isnull=True).select_related(
                "merged"
            )
        )
        if rbac.allows(user, "patients.merge")
        else [],
    }


def appointment_page(user: User, appointment: Appointment, *, day: date | None) -> dict:
    """One appointment: its history, what `user` may do with it and, for moving it, the free
    times of `day` (the appointment's own day when none is asked for)."""
    can_book = rbac.allows(user, "appointments.book")
    day = day or timezone.localtime(appointment.starts_at).date()
    return {
        "appointment": appointment,
        "changes": appointment.changes.select_related("by"),
        "can_book": can_book,
        "can_check_in": rbac.allows(user, "appointments.book", scopes=[rbac.ALL]),
        "can_consult": rbac.allows(user, "clinical.consult"),
        "day": day,
        "slots": slots_for(appointment.doctor, day, patient=appointment.patient, moving=appointment)
        if can_book
        else [],
    }


def schedules_page() -> dict:
    """The doctors with their weekly clinic hours, and the days off from today on (the view
    pages them)."""
    return {
        "doctors": get_user_model()
        .objects.filter(role=rbac.DOCTOR)
        .order_by("last_name")
        .prefetch_related("schedule_blocks"),
        "exceptions": ScheduleException.objects.filter(date__gte=timezone.localdate())
        .select_related("doctor")
        .order_by("date", "start_time", "pk"),
    }


PHONE_MATCHES = 10


class Duplicates(list):
    """`likely_duplicates`' patients, how many more share the phone than are listed, and the
    phone's last 9 digits (the patient search that lists them all)."""

    def __init__(
        self, patients: Iterable[Patient] = (), *, more_with_phone: int = 0, phone: str = ""
    ) -> None:
        super().__init__(patients)
        self.more_with_phone = more_with_phone
        self.phone = phone
