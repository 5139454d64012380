"""What a merge of two patient records touches, found from the models themselves: every foreign
key or one-to-one field pointing at Patient, from any installed app (clinical imports none of
them), so a module added later is moved by the merge without a change here.

Read-only: the relations, what each record holds of each, and what would stop a merge. The merge
and the un-merge themselves are clinical.services.merging.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, ForeignKey, OuterRef, Q, UniqueConstraint

from clinical.models import LIVE_APPOINTMENT, Appointment, Patient, PatientMerge, PatientState


def merge_relations() -> list[ForeignKey]:
    """Every field of every model that points at Patient (foreign keys and one-to-ones, hidden
    ones such as an automatic many-to-many table included), but the merge's own bookkeeping
    (PatientMerge names both records and stays as it was). In a stable order."""
    fields = []
    for relation in Patient._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete:
            continue  # Patient's own fields
        if not (relation.one_to_many or relation.one_to_one):
            continue  # a many-to-many is moved through its table's foreign key
        if relation.related_model is PatientMerge:
            continue
        fields.append(relation.field)
    return sorted(fields, key=relation_key)


def relation_key(field: ForeignKey) -> str:
    """ "billing.Charge.patient": how a relation is named in a merge's record."""
    return f"{field.model._meta.label}.{field.name}"


def relation_label(field: ForeignKey) -> str:
    """What the desk reads for a relation: "Appointments", "Charges"; a model with two fields
    pointing at a patient says which one."""
    if field.model is Patient:
        return "Records merged into it earlier"
    label = str(field.model._meta.verbose_name_plural)
    label = label[:1].upper() + label[1:]
    pointing = [f for f in field.model._meta.fields if f.related_model is Patient]
    return f"{label} ({field.verbose_name})" if len(pointing) > 1 else label


@dataclass
class Holding:
    """What each of two records holds of one kind (their rows pointing at the record)."""

    key: str
    label: str
    first: int
    second: int


def holdings(first: Patient, second: Patient) -> list[Holding]:
    """Per relation to Patient, how many rows point at each record (one query per relation), in
    the order of their labels."""
    found = []
    for field in merge_relations():
        rows = (
            field.model._base_manager.filter(**{f"{field.name}__in": [first.pk, second.pk]})
            .values(field.attname)
            .annotate(rows=Count("pk"))
            .order_by()
        )
        counts = {first.pk: 0, second.pk: 0}
        for row in rows:
            counts[row[field.attname]] = row["rows"]
        found.append(
            Holding(relation_key(field), relation_label(field), counts[first.pk], counts[second.pk])
        )
    return sorted(found, key=lambda holding: holding.label)


def unique_collisions(survivor: Patient, merged: Patient) -> list[str]:
    """What the database allows a patient only once and both records hold: each as the sentence
    the desk reads. Read from the models' unique constraints (their conditions included) and
    one-to-one fields, so a rule added later is checked too."""
    found = []
    pair = [survivor.pk, merged.pk]
    for field in merge_relations():
        manager = field.model._base_manager
        name = str(field.model._meta.verbose_name)
        if field.unique:
            if manager.filter(**{f"{field.name}__in": pair}).count() > 1:
                found.append(f"Both records have a {name}, and a patient may have only one.")
            continue
        rules = [
            (tuple(rule.fields), rule.condition, rule.name)
            for rule in field.model._meta.constraints
            if isinstance(rule, UniqueConstraint) and rule.fields
        ] + [(tuple(fields), None, "") for fields in field.model._meta.unique_together]
        for fields, condition, rule_name in rules:
            if field.name not in fields and field.attname not in fields:
                continue
            others = [f for f in fields if f not in (field.name, field.attname)]
            rows = manager.filter(condition or Q(), **{f"{field.name}__in": pair}).values_list(
                field.attname, *others
            )
            owners: dict[tuple, set] = {}
            for owner, *rest in rows:
                if None not in rest:  # NULLs are never equal to one another
                    owners.setdefault(tuple(rest), set()).add(owner)
            if any(len(held) > 1 for held in owners.values()):
                rule_words = rule_name.replace("_", " ") or f"one {name} per patient"
                found.append(
                    f"Both records have a {name} that a patient may hold only once"
                    f" (“{rule_words}”): close or finish one of them first."
                )
    return found


def overlapping_appointment(survivor: Patient, merged: Patient) -> Appointment | None:
    """A live appointment of `merged` at a time `survivor` has one too (a patient is never in two
    places at once: the rule of migration 0008, which SQLite does not enforce)."""
    clash = Appointment.objects.filter(
        LIVE_APPOINTMENT,
        patient=survivor,
        starts_at__lt=OuterRef("ends_at"),
        ends_at__gt=OuterRef("starts_at"),
    )
    return (
        Appointment.objects.filter(LIVE_APPOINTMENT, patient=merged)
        .filter(Exists(clash))
        .select_related("doctor")
        .first()
    )


# How active a lifecycle state is: the survivor takes the merged record's state when it is more
# active (an admitted duplicate makes the survivor admitted).
STATE_RANK = {
    PatientState.ARCHIVED: 0,
    PatientState.REGISTERED: 1,
    PatientState.DISCHARGED: 1,
    PatientState.APPOINTMENT_SCHEDULED: 2,
    PatientState.UNDER_TREATMENT: 3,
    PatientState.ADMITTED: 4,
}


def state_after_merge(survivor: Patient, merged: Patient) -> str:
    """The survivor's lifecycle state once the merged record's rows are on it."""
    if STATE_RANK.get(merged.state, 0) > STATE_RANK.get(survivor.state, 0):
        return merged.state
    return survivor.state


def unmerge_deadline(merge: PatientMerge) -> datetime:
    """Until when a merge may be undone (settings.HMS_PATIENT_UNMERGE_DAYS after it)."""
    return merge.merged_at + timedelta(days=settings.HMS_PATIENT_UNMERGE_DAYS)


def live_record(patient: Patient) -> Patient:
    """The record a merged record's MRN now leads to (itself when it was never merged). A record
    merged into one that was later merged on follows along: the merge moves `merged_into` too."""
    seen = set()
    while patient.merged_into_id is not None and patient.pk not in seen:
        seen.add(patient.pk)
        patient = Patient.objects.get(pk=patient.merged_into_id)
    return patient
