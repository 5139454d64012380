"""Vitals: recording a patient's observations, each checked against its plausible range."""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from clinical import live, vitals
from clinical.models import (
    Patient,
    Vitals,
)
from hms import audit, submissions
from hms.refusals import Refusal

VITAL_FIELDS = list(vitals.RANGES)


@transaction.atomic
@submissions.once("vitals.record")
def vitals_record(
    *,
    actor: User,
    patient: Patient,
    values: dict,
    note: str = "",
    request: HttpRequest | None = None,
) -> Vitals:
    """Record a set of observations. Impossible values are refused with the reason; nothing is
    saved unless every value is possible.

    Raises VitalsError when no reading is entered or a reading is impossible or the blood pressure
    is incomplete or inverted; AlreadySubmitted (hms.submissions) when the same form was already
    sent.
    """
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
    live.vitals_changed()
    return record


class VitalsError(Refusal):
    """Readings that cannot be right, with the sentence a nurse reads."""
