"""Patients: registering (with the duplicate check), editing demographics, the lifecycle's state
changes, and the audited opening of a chart.
"""

from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from clinical import lifecycle, selectors
from clinical.models import (
    Patient,
    PatientState,
    PatientStateChange,
)
from hms import audit, submissions
from hms.numbering import next_number

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

    def __init__(self, candidates: list[Patient]) -> None:
        super().__init__("This patient may already be registered.")
        self.candidates = candidates


def _keys(patient: Patient) -> None:
    patient.name_key = selectors.name_key(patient.first_name, patient.last_name)
    patient.phone_digits = selectors.phone_digits(patient.phone)


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

    Raises DuplicateSuspected when likely duplicates exist and `not_a_duplicate` is not set;
    AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
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
    *, actor: User, patient: Patient, fields: dict, request: HttpRequest | None = None
) -> Patient:
    """Change a patient's demographics, audited.

    Raises ValueError when asked to change a field it does not manage.
    """
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


def patient_chart_opened(
    *, actor: User, patient: Patient, request: HttpRequest | None = None
) -> None:
    """Every opening of a chart is audited: who looked at whose record, and when.

    Raises no domain error.
    """
    audit.record(
        actor=actor, action="patient.view_chart", obj=patient, patient=patient, request=request
    )
