"""Patients: registering (with the duplicate check), editing demographics, the lifecycle's state
changes, and the audited opening of a chart.
"""

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from accounts.models import User
from clinical import lifecycle, merging, search, selectors
from clinical.models import (
    Patient,
    PatientState,
    PatientStateChange,
)
from hms import audit, submissions
from hms.locking import locked
from hms.numbering import next_number
from hms.phones import phone_e164
from hms.refusals import Refusal

AUDITED_FIELDS = [
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "blood_group",
    "phone",
    "id_type",
    "id_number",
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

    def __init__(self, candidates: list[Patient]) -> None:
        super().__init__("This patient may already be registered.")
        self.candidates = candidates


class IdentityTaken(Refusal):
    """The identity document typed is already another patient's: one document, one record."""


def _normalise(patient: Patient) -> None:
    """Phones in E.164, the document number as compared, and the search keys in step.

    Raises PhoneRefused (field "phone" or "emergency_phone") for a number that is no number.
    """
    patient.phone = phone_e164(patient.phone, field="phone")
    if patient.emergency_phone:
        patient.emergency_phone = phone_e164(patient.emergency_phone, field="emergency_phone")
    patient.id_number = search.document_key(patient.id_number)
    if not patient.id_number:
        patient.id_type = ""
    patient.name_key = search.name_key(patient.first_name, patient.last_name)
    patient.phone_digits = search.phone_digits(patient.phone)
    patient.member_key = search.document_key((patient.insurance or {}).get("policy_number", ""))


def _identity_holder(patient: Patient) -> Patient | None:
    if not patient.id_number:
        return None
    others = Patient.objects.filter(id_type=patient.id_type, id_number=patient.id_number)
    return others.exclude(pk=patient.pk).first()


def _refuse_taken_identity(patient: Patient) -> None:
    holder = _identity_holder(patient)
    if holder is not None:
        holder = merging.live_record(holder)  # a merged record's document: open the survivor
        raise IdentityTaken(
            f"This {patient.get_id_type_display().lower()} number is already on the record of"
            f" {holder.full_name}, MRN {holder.mrn}: open that record instead.",
            field="id_number",
        )


def _save(patient: Patient) -> None:
    """Save, the database's unique document rule deciding a race with another clerk."""
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError:
        _refuse_taken_identity(patient)
        raise


@transaction.atomic
@submissions.once("patient.register")
def patient_register(
    *,
    actor: User,
    fields: dict,
    not_a_duplicate: bool = False,
    request: HttpRequest | None = None,
) -> Patient:
    """Register a patient with the next MRN. Unless the clerk has confirmed it is someone new,
    likely duplicates stop the registration (DuplicateSuspected) and nothing is saved.

    The identity document is checked first: one already on another record is refused
    (IdentityTaken), confirmed or not. Then the insurance member number, the phone and the name
    with the birth date (selectors.likely_duplicates).

    Raises IdentityTaken (field "id_number") when another patient holds the document;
    PhoneRefused when a phone is no phone number; DuplicateSuspected when likely duplicates exist
    and `not_a_duplicate` is not set; AlreadySubmitted (hms.submissions) when the same form was
    already sent.
    """
    patient = Patient(registered_by=actor, **fields)
    # The MRN series' row lock is taken before the checks: desks registering at the same moment
    # are checked one after another, so the second sees the record the first just made (three
    # tabs made three records of one walk-in, session 33). A refusal rolls the number back.
    mrn = next_number("mrn")
    _normalise(patient)
    _refuse_taken_identity(patient)
    if not not_a_duplicate:
        candidates = selectors.likely_duplicates(
            first_name=patient.first_name,
            last_name=patient.last_name,
            date_of_birth=patient.date_of_birth,
            phone=patient.phone,
            member_number=patient.member_key,
            scheme=(patient.insurance or {}).get("provider", ""),
        )
        if candidates:
            raise DuplicateSuspected(candidates)
    patient.mrn = f"{mrn:0{selectors.MRN_DIGITS}d}"
    patient.full_clean()
    _save(patient)
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
    *, actor: User, patient: Patient, fields: dict, request: HttpRequest | None = None
) -> Patient:
    """Change a patient's demographics, audited.

    Raises IdentityTaken (field "id_number") when another patient holds the document typed;
    PhoneRefused when a phone is no phone number; ValueError when asked to change a field it does
    not manage.
    """
    patient = locked(Patient.objects).get(pk=patient.pk)
    before = audit.snapshot(patient, AUDITED_FIELDS)
    for name, value in fields.items():
        if name not in AUDITED_FIELDS:
            raise ValueError(f"patient_update cannot change {name}")
        setattr(patient, name, value)
    _normalise(patient)
    _refuse_taken_identity(patient)
    patient.full_clean()
    _save(patient)
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
    actor: User,
    patient: Patient,
    to_state: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Patient:
    """Move a patient to another lifecycle state, if the lifecycle allows it from where they are
    (read under a row lock: two clerks cannot move one patient two ways at once).

    Raises TransitionRefused (clinical.lifecycle) when the lifecycle does not allow `to_state` from
    the patient's state.
    """
    patient = locked(Patient.objects).get(pk=patient.pk)
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


def patient_chart_opened(
    *, actor: User, patient: Patient, request: HttpRequest | None = None
) -> None:
    """Every opening of a chart is audited: who looked at whose record, and when.

    Raises no domain error.
    """
    audit.record(
        actor=actor, action="patient.view_chart", obj=patient, patient=patient, request=request
    )
