"""Vitals: recording a patient's observations, each checked against its plausible range, scored
by NEWS2 (clinical.news2) and, when the score calls for it, told to the people who must act."""

import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from clinical import live, news2, selectors, vitals
from clinical.models import Consciousness, Patient, Vitals
from hms import audit, rbac, submissions
from hms.locking import locked
from hms.refusals import Refusal

VITAL_FIELDS = list(vitals.RANGES)
# What the audit row keeps of a set: the readings and what NEWS2 reads beside them.
AUDITED_FIELDS = [*VITAL_FIELDS, "on_oxygen", "consciousness", "spo2_scale"]


@transaction.atomic
@submissions.once("vitals.record")
def vitals_record(
    *,
    actor: User,
    patient: Patient,
    values: dict,
    on_oxygen: bool | None = None,
    consciousness: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> Vitals:
    """Record a set of observations, scored by NEWS2 on the SpO2 scale the patient's doctor set
    (scale 2 for a target of 88-92%). Impossible values are refused with the reason; nothing is
    saved unless every value is possible. `on_oxygen` None and `consciousness` "" mean not
    recorded (the score then says it is from fewer than 7 parameters).

    A NEWS2 of 5-6 or a 3 in one parameter notifies the attending doctor and the ward's nurses as
    urgent; 7 or more notifies the attending doctor and the administrators as an emergency (see
    clinical.selectors.news2_alert_recipients). One alert at a time per patient: while the alert
    of an earlier set of this stay waits for acknowledgement, a set at the same response or lower
    raises none; a higher response (5-6 to 7+) always does (docs/DECISIONS.md).

    Raises PermissionDenied when the actor may not record vitals; VitalsError when no reading is
    entered or a reading is impossible or the blood pressure is incomplete or inverted or the
    consciousness is not one of ACVPU; AlreadySubmitted (hms.submissions) when the same form was
    already sent.
    """
    if not rbac.allows(actor, "vitals.record"):
        raise PermissionDenied("Only a doctor or a nurse records vitals.")
    readings = {name: values.get(name) for name in VITAL_FIELDS}
    if all(value is None for value in readings.values()):
        raise VitalsError("Enter at least one reading.")
    problems = [p for name, value in readings.items() if (p := vitals.impossible(name, value))]
    systolic, diastolic = readings["systolic"], readings["diastolic"]
    if (systolic is None) != (diastolic is None):
        problems.append("Enter both blood pressure numbers (e.g. 120 / 80).")
    elif systolic is not None and diastolic >= systolic:
        problems.append("The diastolic pressure must be lower than the systolic.")
    if consciousness and consciousness not in Consciousness.values:
        problems.append("Consciousness is one of Alert, new Confusion, Voice, Pain, Unresponsive.")
    if problems:
        raise VitalsError(" ".join(problems))
    # Read now, not from the caller's copy: a target set a moment ago already applies.
    scale_2 = Patient.objects.filter(pk=patient.pk, spo2_target_88_92=True).exists()
    record = Vitals.objects.create(
        patient=patient,
        recorded_by=actor,
        recorded_at=timezone.now(),
        note=note[:200],
        on_oxygen=on_oxygen,
        consciousness=consciousness,
        spo2_scale=2 if scale_2 else 1,
        **readings,
    )
    audit.record(
        actor=actor,
        action="vitals.record",
        obj=record,
        patient=patient,
        after=audit.snapshot(record, AUDITED_FIELDS),
        request=request,
    )
    score = selectors.news2_of_record(record)
    if score is not None and score.response:
        _alert(record, score, actor)
    live.vitals_changed()
    return record


def _alert(record: Vitals, score: news2.News2, actor: User) -> None:
    from messaging.selectors import event_waiting
    from messaging.services import notify

    response, people = selectors.news2_alert_recipients(record, score)
    if not people:
        return
    # Two nurses saving sets of one patient at once must not both find no alert waiting.
    locked(Patient.objects).filter(pk=record.patient_id).first()
    before = selectors.news2_alert_before(record)
    if (
        before is not None
        and news2.RESPONSE_RANK[response] <= news2.RESPONSE_RANK.get(before.alert_level, 0)
        and event_waiting(before.alert_event)
    ):
        # The waiting alert already says so (its card stays pinned until acknowledged): the set
        # is kept under it, so the nurse is told which alert covers it.
        record.alert_level, record.alert_event = before.alert_level, before.alert_event
        record.save(update_fields=["alert_level", "alert_event"])
        return
    patient = record.patient
    admission = patient.admissions.filter(discharged_at__isnull=True).select_related("bed__ward")
    where = next((f", {a.bed.ward.name} bed {a.bed.number}" for a in admission[:1]), "")
    partial = "" if score.complete else f" (from {score.parameters} of 7)"
    text = (
        f"{'Emergency' if response == 'emergency' else 'Urgent'}: NEWS2 {score.score}{partial}, "
        f"{score.risk} risk, {patient.full_name} ({patient.mrn}){where}; "
        f"observations {score.frequency}. Recorded by {actor.get_full_name() or actor.username}."
    )
    event = f"news2.{uuid.uuid4().hex}"
    notify(
        people,
        text,
        link=reverse("patient_vitals", args=[patient.pk]),
        urgent=True,
        kind="news2",
        event=event,
    )
    record.alert_level, record.alert_event = response, event
    record.save(update_fields=["alert_level", "alert_event"])


@transaction.atomic
def patient_spo2_target_set(
    *, actor: User, patient: Patient, target_88_92: bool, request: HttpRequest | None = None
) -> Patient:
    """Set (True) or clear (False) a doctor's SpO2 target of 88-92% for the patient (hypercapnic
    respiratory failure): sets recorded from then on score SpO2 on NEWS2 scale 2 (RCP 2017,
    chart 2); those already recorded keep the scale they were taken on. Audited.

    Raises PermissionDenied when the actor's role may not prescribe (clinical.consult).
    """
    if not rbac.allows(actor, "clinical.consult"):
        raise PermissionDenied("Only a doctor sets the patient's oxygen target.")
    patient = locked(Patient.objects).get(pk=patient.pk)
    if patient.spo2_target_88_92 == target_88_92:
        return patient
    before = {"spo2_target_88_92": patient.spo2_target_88_92}
    patient.spo2_target_88_92 = target_88_92
    patient.save(update_fields=["spo2_target_88_92"])
    audit.record(
        actor=actor,
        action="patient.spo2_target",
        obj=patient,
        patient=patient,
        before=before,
        after={"spo2_target_88_92": target_88_92},
        request=request,
    )
    return patient


class VitalsError(Refusal):
    """Readings that cannot be right, with the sentence a nurse reads."""
