"""Consultations and prescriptions: starting, writing and completing an encounter (which posts the
consultation charge), and its prescription lines; a doctor changes only their own notes.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from clinical import arrivals, dosing, icd10, lifecycle, live, prescribing
from clinical.models import (
    AllergenClass,
    Allergy,
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    DrugInteraction,
    Encounter,
    EncounterDraft,
    Patient,
    PatientState,
    Prescription,
)
from clinical.services.appointments import (
    BookingError,
    _record,
    consultation_fee_post,
)
from clinical.services.patients import patient_transition
from hms import audit, rbac, submissions
from hms.locking import locked
from hms.refusals import Refusal

ENCOUNTER_FIELDS = ["complaints", "examination", "diagnosis", "icd10_code", "plan"]
PRESCRIPTION_FIELDS = [
    "drug",
    "strength",
    "dose",
    "route",
    "frequency",
    "duration",
    "instructions",
    "formulary_item",
    "outside",
    "quantity",
    "allergy_override_reason",
    "warnings_confirmed",
]
# How far back a prescription of an earlier visit may still be active (its duration decides).
ACTIVE_LOOKBACK = timedelta(days=90)
# The most one prescription line hands over, typed or computed (the form's typed limit says the
# same), and the longest course its duration may run: longer treatment is reviewed and prescribed
# again (docs/DECISIONS.md, session 33).
MOST_UNITS_PER_LINE = 10_000
LONGEST_COURSE_DAYS = 365


class ConsultationError(Refusal):
    """A consultation action that cannot be done, with the sentence the doctor reads."""


# An override reason is a few words the pharmacist and the next doctor can read, not "ok".
OVERRIDE_REASON_MIN = 5


class PrescribingStopped(ConsultationError):
    """A prescription the checks stopped (clinical.prescribing): `findings` are what the doctor
    reads; `blocks` those only an override reason lets through; `warnings` those to confirm."""

    def __init__(self, findings: list[prescribing.Finding]) -> None:
        self.findings = findings
        self.blocks = [f for f in findings if f.blocks]
        self.warnings = [f for f in findings if not f.blocks]
        if self.blocks:
            message = " ".join(f.message for f in self.blocks) + (
                " Prescribe something else, or give your reason to override."
            )
        else:
            message = "Read the warnings and confirm them to prescribe."
        super().__init__(message, field="drug")


def _charge_consultation(
    actor: User, encounter: Encounter, appointment: Appointment, request: HttpRequest | None = None
) -> None:
    """The fee, unless check-in or booking posted it already (never twice: its accrual key)."""
    try:
        consultation_fee_post(
            actor=actor,
            appointment=appointment,
            service_from=encounter.started_at,
            service_to=encounter.completed_at,
            request=request,
        )
    except BookingError as error:
        raise ConsultationError(str(error)) from error


def may_change_notes(actor: User, encounter: Encounter) -> bool:
    """Whether `actor` may write this consultation's notes and prescriptions: the doctor who
    holds it, while it is open (an administrator passes every check).

    Raises no domain error.
    """
    return encounter.status == Encounter.Status.OPEN and (
        rbac.passes_every_check(actor) or encounter.doctor_id == actor.pk
    )


def _own_notes(actor: User, encounter: Encounter) -> None:
    if not rbac.passes_every_check(actor) and encounter.doctor_id != actor.pk:
        raise ConsultationError("Only the doctor who holds this consultation can change its notes.")
    if encounter.status != Encounter.Status.OPEN:
        raise ConsultationError("This consultation is completed: its notes can no longer change.")


@transaction.atomic
def encounter_start(
    *, actor: User, appointment: Appointment, request: HttpRequest | None = None
) -> Encounter:
    """Start (or reopen the page of) the consultation of a checked-in or scheduled appointment
    of today. The appointment is then "In consultation" (its history says who started it and
    when), the patient is under treatment, the doctor's day and the desk's list follow live, and
    the modules told of arrivals act (the queue shows the patient's ticket as being seen).

    Raises PermissionDenied when the actor's role may not consult; ConsultationError when the
    appointment is with another doctor, is not scheduled or checked in, or is not today.
    """
    if not rbac.allows(actor, "clinical.consult"):
        raise PermissionDenied("Consultations are held by doctors.")
    appointment = locked(Appointment.objects).select_related("patient").get(pk=appointment.pk)
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
    was = appointment.status
    appointment.status = AppointmentStatus.IN_CONSULTATION
    appointment.save(update_fields=["status"])
    _record(appointment, AppointmentChange.Kind.IN_CONSULTATION, actor)
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
        before={"appointment_status": was},
        after={"appointment_status": AppointmentStatus.IN_CONSULTATION},
        request=request,
    )
    arrivals.consultation_started(actor=actor, appointment=appointment, request=request)
    live.today_changed(appointment.doctor_id)
    return encounter


@transaction.atomic
def encounter_save(
    *, actor: User, encounter: Encounter, fields: dict, request: HttpRequest | None = None
) -> Encounter:
    """Save the notes of an open consultation, audited. The ICD-10 code, when given, is written
    as the WHO list writes it ("j459" -> "J45.9") and must be one of its categories or
    subcategories (clinical.icd10, WHO ICD-10 2019); the diagnosis beside it is free text.

    Raises ConsultationError when the actor is not the consultation's doctor, the consultation is
    completed, the code is not shaped like one or not in the WHO list (field "icd10_code"), or a
    field fails validation (its field named when it is one).
    """
    encounter = locked(Encounter.objects).get(pk=encounter.pk)
    _own_notes(actor, encounter)
    _write_notes(actor, encounter, fields, request)
    # What was typed is now the record: the draft kept while typing has served.
    EncounterDraft.objects.filter(encounter=encounter, author=actor).delete()
    return encounter


def _write_notes(
    actor: User, encounter: Encounter, fields: dict, request: HttpRequest | None
) -> None:
    """Put `fields` into the (locked) consultation's notes, validated, audited when changed."""
    before = audit.snapshot(encounter, ENCOUNTER_FIELDS)
    for name in ENCOUNTER_FIELDS:
        if name in fields:
            setattr(encounter, name, (fields[name] or "").strip())
    try:
        encounter.icd10_code = icd10.checked(encounter.icd10_code)
    except ValidationError as error:
        raise ConsultationError(" ".join(error.messages), field="icd10_code") from error
    try:
        encounter.full_clean()
    except ValidationError as error:
        fields_refused = list(getattr(error, "error_dict", {}))
        raise ConsultationError(
            " ".join(error.messages),
            field=fields_refused[0] if len(fields_refused) == 1 else None,
        ) from error
    encounter.notes_saved_at = timezone.now()
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


@transaction.atomic
@submissions.once("encounter.complete")
def encounter_complete(
    *, actor: User, encounter: Encounter, request: HttpRequest | None = None
) -> Encounter:
    """Finish the consultation: the appointment is completed (its fee, fixed at booking, is what
    billing charges) and the patient's visit is over. Notes the doctor typed and did not save (their
    draft) are saved first, validated and audited like a save.

    Raises ConsultationError when the actor is not the consultation's doctor, it is already
    completed, no diagnosis is written, or the consultation fee cannot be charged; AlreadySubmitted
    (hms.submissions) when the same form was already sent.
    """
    encounter = locked(Encounter.objects).select_related("patient").get(pk=encounter.pk)
    _own_notes(actor, encounter)
    # Notes typed and not yet saved (the draft kept while typing) are part of what is completed.
    draft = EncounterDraft.objects.filter(encounter=encounter, author=actor).first()
    if draft is not None:
        _write_notes(actor, encounter, draft.fields, request)
        draft.delete()
    if not encounter.diagnosis:
        raise ConsultationError("Enter a diagnosis (or working diagnosis) before completing.")
    encounter.status = Encounter.Status.COMPLETED
    encounter.completed_at = timezone.now()
    encounter.save(update_fields=["status", "completed_at"])
    if encounter.appointment_id:
        appointment = locked(Appointment.objects).get(pk=encounter.appointment_id)
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
    *,
    actor: User,
    encounter: Encounter,
    drug: str = "",
    strength: str = "",
    dose: str = "",
    route: str = "",
    frequency: str = "",
    duration: str = "",
    instructions: str = "",
    formulary_item: object | None = None,
    outside: bool = False,
    quantity: int | None = None,
    allergy_override_reason: str = "",
    warnings_confirmed: Iterable[str] = (),
    request: HttpRequest | None = None,
) -> Prescription:
    """Add a prescription to an open consultation, audited.

    `formulary_item` is the pharmacy.FormularyItem prescribed (its generic name and strength fill
    a blank drug and strength), which the pharmacy then dispenses: `quantity` dispensing units,
    or, when None, dose × frequency × duration as clinical.dosing reads them. `outside` marks a
    drug the hospital does not stock (free text, never dispensed here). Without either it is free
    text, as before the formulary. The pharmacy hears the prescription saved (its queue and the
    patient's pages refresh live: pharmacy.live.prescription_saved).

    Every line passes the prescribing checks (clinical.prescribing, `prescription_findings`): an
    allergy to the drug's class stops it unless `allergy_override_reason` is given (audited as
    "prescription.allergy_override" and printed on the prescription); the warnings
    (cross-reactivity, duplicate therapy, a dose above the item's maximum a day, an interaction
    in the hospital's table) stop it until their codes are in `warnings_confirmed`.

    Raises PrescribingStopped (a ConsultationError, field "drug", carrying the findings) when a
    check stops it; ConsultationError when the actor is not the consultation's doctor, the consultation is
    completed, the item is no longer in use (field "formulary_item"), the quantity cannot be
    computed and was not typed, or comes to more than MOST_UNITS_PER_LINE typed or computed (field
    "quantity"), the duration reads as more than LONGEST_COURSE_DAYS (field "duration"), or a
    field fails validation (e.g. no drug or
    dose); AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    encounter = locked(Encounter.objects).get(pk=encounter.pk)
    _own_notes(actor, encounter)
    if outside:
        formulary_item, quantity = None, None
    days = dosing.days_of(duration)
    if days is not None and days > LONGEST_COURSE_DAYS:
        raise ConsultationError(
            f"A course runs at most {LONGEST_COURSE_DAYS} days on one prescription ({days:,} days"
            " typed): review the patient and prescribe again.",
            field="duration",
        )
    if formulary_item is not None:
        if not formulary_item.active:
            raise ConsultationError(
                f"{formulary_item} is no longer in use in the formulary: choose another.",
                field="formulary_item",
            )
        drug = drug or formulary_item.generic_name
        strength = strength or formulary_item.strength
        if quantity is None:
            reading = dosing.quantity_to_dispense(
                dose=dose, frequency=frequency, duration=duration, form=formulary_item.form
            )
            if reading.quantity is None:
                raise ConsultationError(
                    f"Type how many to dispense (unit: {formulary_item.dispensing_unit}). "
                    + reading.why_not.removesuffix(": type it.")
                    + ".",
                    field="quantity",
                )
            if reading.quantity > MOST_UNITS_PER_LINE:
                raise ConsultationError(
                    f"The dose, frequency and duration come to {reading.quantity:,}"
                    f" × {formulary_item.dispensing_unit}: at most {MOST_UNITS_PER_LINE:,} units"
                    " on one prescription. Check them, or type the quantity.",
                    field="quantity",
                )
            quantity = reading.quantity
        if not 1 <= quantity <= MOST_UNITS_PER_LINE:
            raise ConsultationError(
                f"Quantity: 1 to {MOST_UNITS_PER_LINE:,} units on one prescription.",
                field="quantity",
            )
    findings = prescription_findings(
        patient=encounter.patient,
        encounter=encounter,
        drug=drug,
        strength=strength,
        dose=dose,
        frequency=frequency,
        formulary_item=formulary_item,
    )
    stopped, reason = checks_answered(
        findings,
        allergy_override_reason=allergy_override_reason,
        warnings_confirmed=warnings_confirmed,
    )
    prescription = Prescription(
        allergy_override_reason=reason[:300] if stopped.blocks else "",
        warnings_confirmed=[w.message for w in stopped.warnings],
        encounter=encounter,
        patient_id=encounter.patient_id,
        doctor_id=encounter.doctor_id,
        drug=(drug or "").strip(),
        strength=(strength or "").strip(),
        dose=(dose or "").strip(),
        route=(route or "").strip(),
        frequency=(frequency or "").strip(),
        duration=(duration or "").strip(),
        instructions=(instructions or "").strip(),
        formulary_item=formulary_item,
        outside=bool(outside),
        quantity=quantity if formulary_item is not None else None,
    )
    try:
        prescription.full_clean()
    except ValidationError as error:
        raise ConsultationError(" ".join(error.messages)) from error
    prescription.save()
    if stopped.blocks:
        audit.record(
            actor=actor,
            action="prescription.allergy_override",
            obj=prescription,
            patient=encounter.patient_id,
            after={
                "allergies": [f.message for f in stopped.blocks],
                "reason": prescription.allergy_override_reason,
            },
            request=request,
        )
    audit.record(
        actor=actor,
        action="prescription.add",
        obj=prescription,
        patient=encounter.patient_id,
        after=audit.snapshot(prescription, PRESCRIPTION_FIELDS),
        request=request,
    )
    return prescription


def checks_answered(
    findings: list[prescribing.Finding],
    *,
    allergy_override_reason: str = "",
    warnings_confirmed: Iterable[str] = (),
) -> tuple[PrescribingStopped, str]:
    """Whether the prescriber has answered what the checks found: an allergy block needs an
    override reason (OVERRIDE_REASON_MIN characters or more), each warning its code among `warnings_confirmed`.
    Returns (the findings as PrescribingStopped, the reason stripped) to record with the line;
    raises that PrescribingStopped when something is unanswered. Every prescribing screen (the
    consultation, the medication chart) lets a line through by this one rule."""
    reason = (allergy_override_reason or "").strip()
    stopped = PrescribingStopped(findings)
    confirmed = set(warnings_confirmed or ())
    if (stopped.blocks and len(reason) < OVERRIDE_REASON_MIN) or any(
        w.code not in confirmed for w in stopped.warnings
    ):
        raise stopped
    return stopped, reason


def _allergies_on_record(patient: Patient) -> list[prescribing.AllergyOnRecord]:
    allergies = [
        prescribing.AllergyOnRecord(
            allergen_class=allergy.allergen_class,
            name=allergy.name,
            allergen=allergy.allergen,
            reaction=allergy.reaction,
            severity=allergy.severity_words,
        )
        for allergy in Allergy.objects.filter(patient=patient, removed_at__isnull=True)
    ]
    note = (patient.allergies or "").strip()
    if note:  # what reception typed at registration counts too, in its own words
        allergies.append(
            prescribing.AllergyOnRecord(
                allergen_class=AllergenClass.OTHER, name=note[:120], allergen=note
            )
        )
    return allergies


def _active_medicines(patient: Patient, encounter: Encounter | None) -> list[prescribing.Medicine]:
    """The patient's medicines running: this consultation's prescriptions (when prescribing in
    one), earlier ones whose duration (read as days) has not ended, and those registered from
    elsewhere (an inpatient's active medication orders: prescribing.active_elsewhere)."""
    today = timezone.localdate()
    since = timezone.now() - ACTIVE_LOOKBACK
    medicines = []
    for line in (
        Prescription.objects.filter(patient=patient, created_at__gte=since)
        .select_related("formulary_item")
        .order_by("created_at")
    ):
        if encounter is None or line.encounter_id != encounter.pk:
            days = dosing.days_of(line.duration)
            started = timezone.localdate(line.created_at)
            if days is None or started + timedelta(days=days) <= today:
                continue
        item = line.formulary_item
        medicines.append(
            prescribing.medicine_for(
                name=str(item) if item else line.drug,
                generic_name=item.generic_name if item else line.drug,
                classes=item.allergen_classes if item else (),
            )
        )
    return medicines + prescribing.active_elsewhere(patient.pk)


def allergies_against_items(*, patient: Patient, items: Iterable) -> dict[int, str]:
    """For formulary items (pharmacy's, passed in: `generic_name`, `allergen_classes`), the
    patient's allergy that would stop each one, by item id ({} when none would): the formulary
    search marks them before the doctor picks. Reads the allergies once. Raises nothing."""
    allergies = _allergies_on_record(patient)
    if not allergies:
        return {}
    marked = {}
    for item in items:
        medicine = prescribing.medicine_for(
            name=str(item), generic_name=item.generic_name, classes=item.allergen_classes or []
        )
        if name := prescribing.allergy_against(medicine, allergies):
            marked[item.pk] = name
    return marked


def prescription_findings(
    *,
    patient: Patient,
    encounter: Encounter | None,
    drug: str,
    strength: str = "",
    dose: str = "",
    frequency: str = "",
    formulary_item: object | None = None,
) -> list[prescribing.Finding]:
    """What the prescribing checks find for this line (clinical.prescribing.findings_for), read
    from the patient's allergies (and reception's note), their active medicines (prescriptions,
    and inpatient orders: `_active_medicines`; `encounter` None outside a consultation, as for
    an inpatient medication order) and the hospital's active interaction table. Raises
    nothing."""
    item = formulary_item
    medicine = prescribing.medicine_for(
        name=str(item) if item is not None else (drug or "").strip(),
        generic_name=item.generic_name if item is not None else (drug or "").strip(),
        classes=(item.allergen_classes or []) if item is not None else (),
    )
    interactions = [
        prescribing.Interaction(
            pk=row.pk,
            first=row.first,
            second=row.second,
            severity=row.get_severity_display().split(":")[0].lower(),
            advice=row.advice,
            source=row.source,
        )
        for row in DrugInteraction.objects.filter(active=True)
    ]
    return prescribing.findings_for(
        medicine=medicine,
        allergies=_allergies_on_record(patient),
        active=_active_medicines(patient, encounter),
        interactions=interactions,
        dose=dose,
        frequency=frequency,
        strength=strength or (getattr(item, "strength", "") if item is not None else ""),
        max_daily_dose_mg=getattr(item, "max_daily_dose_mg", None),
    )


@transaction.atomic
def prescription_remove(
    *, actor: User, prescription: Prescription, request: HttpRequest | None = None
) -> None:
    """Remove a prescription from an open consultation, audited.

    Raises ConsultationError when the actor is not the consultation's doctor, the consultation is
    completed, or the pharmacy has dispensed any of it (it stays on the record).
    """
    _own_notes(actor, prescription.encounter)
    prescription = locked(Prescription.objects, deleting=True).get(pk=prescription.pk)
    if prescription.dispensed_quantity or prescription.dispenses.exists():
        raise ConsultationError(
            f"The pharmacy has already dispensed {prescription.drug}: it stays on the record."
        )
    audit.record(
        actor=actor,
        action="prescription.remove",
        obj=prescription,
        patient=prescription.patient_id,
        before=audit.snapshot(prescription, PRESCRIPTION_FIELDS),
        request=request,
    )
    prescription.delete()
