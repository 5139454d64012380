"""Allergies and the interaction table: recording a patient's allergies (or that they have none
known), removing one entered in error, and the hospital's list of dangerous drug pairs that the
prescribing checks (clinical.prescribing) read.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from clinical.models import (
    AllergenClass,
    Allergy,
    AllergySeverity,
    DrugInteraction,
    InteractionSeverity,
    Patient,
)
from hms import audit, rbac, submissions
from hms.locking import locked
from hms.refusals import Refusal

ALLERGY_FIELDS = ["allergen_class", "allergen", "reaction", "severity"]
INTERACTION_FIELDS = ["first", "second", "severity", "advice", "source", "active"]


class AllergyError(Refusal):
    """An allergy or interaction-table action refused, with the sentence the person reads."""


def _may_record(actor: User) -> None:
    """Raises PermissionDenied unless the actor's role records allergies."""
    if not rbac.allows(actor, "allergies.record"):
        raise PermissionDenied("Only a doctor or a nurse records allergies.")


def _may_keep_interactions(actor: User) -> None:
    """Raises PermissionDenied unless the actor's role keeps the interaction table."""
    if not rbac.allows(actor, "pharmacy.formulary"):
        raise PermissionDenied("Only a pharmacist or an administrator keeps the interaction table.")


@transaction.atomic
@submissions.once("allergy.record")
def allergy_record(
    *,
    actor: User,
    patient: Patient,
    allergen_class: str,
    allergen: str = "",
    reaction: str = "",
    severity: str = AllergySeverity.UNKNOWN,
    request: HttpRequest | None = None,
) -> Allergy:
    """Record one allergy of `patient` (a coded class, or words for "other"); a "no known
    allergies" statement is withdrawn by it. Audited.

    Raises PermissionDenied when the actor is not a doctor, nurse or administrator; AllergyError
    when the class or severity is unknown (field "allergen_class"/"severity"), "other" has no
    words (field "allergen"), or the same class (and words) is already recorded; AlreadySubmitted
    when the same form was already sent.
    """
    _may_record(actor)
    patient = locked(Patient.objects).get(pk=patient.pk)
    allergen = (allergen or "").strip()
    if allergen_class not in AllergenClass.values:
        raise AllergyError("Choose the allergen from the list.", field="allergen_class")
    if severity not in AllergySeverity.values:
        raise AllergyError("Choose the severity from the list.", field="severity")
    if allergen_class == AllergenClass.OTHER and not allergen:
        raise AllergyError("Name the allergen, e.g. ciprofloxacin or eggs.", field="allergen")
    same = Allergy.objects.filter(
        patient=patient, allergen_class=allergen_class, removed_at__isnull=True
    )
    if same.filter(allergen__iexact=allergen).exists():
        raise AllergyError("This allergy is already recorded.", field="allergen_class")
    allergy = Allergy(
        patient=patient,
        allergen_class=allergen_class,
        allergen=allergen,
        reaction=(reaction or "").strip(),
        severity=severity,
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    try:
        allergy.full_clean()
    except ValidationError as error:
        raise AllergyError(" ".join(error.messages)) from error
    allergy.save()
    if patient.no_known_allergies_at is not None:
        patient.no_known_allergies_at = None
        patient.no_known_allergies_by = None
        patient.save(update_fields=["no_known_allergies_at", "no_known_allergies_by"])
    audit.record(
        actor=actor,
        action="allergy.record",
        obj=allergy,
        patient=patient,
        after=audit.snapshot(allergy, ALLERGY_FIELDS),
        request=request,
    )
    return allergy


@transaction.atomic
def allergy_remove(
    *, actor: User, allergy: Allergy, reason: str, request: HttpRequest | None = None
) -> Allergy:
    """Remove an allergy entered in error or disproved (e.g. a negative challenge test): the row
    stays with who removed it, when and why. Audited.

    Raises PermissionDenied when the actor's role may not record allergies; AllergyError when no
    reason is given (field "reason"), or it is already removed.
    """
    _may_record(actor)
    allergy = locked(Allergy.objects).get(pk=allergy.pk)
    reason = (reason or "").strip()
    if allergy.removed_at is not None:
        raise AllergyError("This allergy was already removed.")
    if len(reason) < 3:
        raise AllergyError("Say why it is removed, e.g. entered in error.", field="reason")
    allergy.removed_at = timezone.now()
    allergy.removed_by = actor
    allergy.removed_reason = reason[:200]
    allergy.save(update_fields=["removed_at", "removed_by", "removed_reason"])
    audit.record(
        actor=actor,
        action="allergy.remove",
        obj=allergy,
        patient=allergy.patient_id,
        before=audit.snapshot(allergy, ALLERGY_FIELDS),
        after={"removed_reason": allergy.removed_reason},
        request=request,
    )
    return allergy


@transaction.atomic
def patient_no_known_allergies(
    *, actor: User, patient: Patient, request: HttpRequest | None = None
) -> Patient:
    """State that the patient was asked and has no known allergies (not the same as nothing
    recorded). Audited.

    Raises PermissionDenied when the actor's role may not record allergies; AllergyError when an
    allergy is on record (remove it first).
    """
    _may_record(actor)
    patient = locked(Patient.objects).get(pk=patient.pk)
    if Allergy.objects.filter(patient=patient, removed_at__isnull=True).exists():
        raise AllergyError(
            "Allergies are recorded for this patient: remove them first if they were wrong."
        )
    patient.no_known_allergies_at = timezone.now()
    patient.no_known_allergies_by = actor
    patient.save(update_fields=["no_known_allergies_at", "no_known_allergies_by"])
    audit.record(
        actor=actor,
        action="allergy.none_known",
        obj=patient,
        patient=patient,
        request=request,
    )
    return patient


@transaction.atomic
@submissions.once("interaction.add")
def drug_interaction_add(
    *,
    actor: User,
    first: str,
    second: str,
    severity: str,
    advice: str,
    source: str,
    request: HttpRequest | None = None,
) -> DrugInteraction:
    """Add a dangerous pair to the interaction table (each side a generic name or an allergen
    class code, lower case), or reactivate the same pair with the new words. Audited.

    Raises PermissionDenied when the actor is not a pharmacist or administrator; AllergyError
    when a side is missing or both are the same (field "second"), or the severity is unknown
    (field "severity").
    """
    _may_keep_interactions(actor)
    first, second = sorted([(first or "").strip().lower(), (second or "").strip().lower()])
    if not first or not second:
        raise AllergyError("Name both drugs (or classes) of the pair.", field="second")
    if first == second:
        raise AllergyError("A drug does not interact with itself here.", field="second")
    if severity not in InteractionSeverity.values:
        raise AllergyError("Choose the severity from the list.", field="severity")
    existing = locked(DrugInteraction.objects).filter(first=first, second=second)
    interaction = existing.first() or DrugInteraction(first=first, second=second, created_by=actor)
    before = audit.snapshot(interaction, INTERACTION_FIELDS) if interaction.pk else None
    interaction.severity = severity
    interaction.advice = (advice or "").strip()
    interaction.source = (source or "").strip()
    interaction.active = True
    try:
        interaction.full_clean(validate_constraints=False)
        interaction.save()
    except ValidationError as error:
        raise AllergyError(" ".join(error.messages)) from error
    except IntegrityError as error:  # pragma: no cover - a racing twin, serialized by the lock
        raise AllergyError("This pair is already in the table.", field="second") from error
    audit.record(
        actor=actor,
        action="interaction.save",
        obj=interaction,
        before=before,
        after=audit.snapshot(interaction, INTERACTION_FIELDS),
        request=request,
    )
    return interaction


@transaction.atomic
def drug_interaction_deactivate(
    *, actor: User, interaction: DrugInteraction, request: HttpRequest | None = None
) -> DrugInteraction:
    """Stop warning about a pair (kept, inactive, so its history stays). Audited.

    Raises PermissionDenied when the actor is not a pharmacist or administrator; AllergyError
    when it is inactive.
    """
    _may_keep_interactions(actor)
    interaction = locked(DrugInteraction.objects).get(pk=interaction.pk)
    if not interaction.active:
        raise AllergyError("This pair is already inactive.")
    interaction.active = False
    interaction.save(update_fields=["active"])
    audit.record(
        actor=actor,
        action="interaction.deactivate",
        obj=interaction,
        after={"active": False},
        request=request,
    )
    return interaction
