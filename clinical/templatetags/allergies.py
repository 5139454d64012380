"""The allergy banner every patient header shows: the allergies, "No known allergies", or
"Allergies not recorded" in a warning colour; and the same words on one line of a list (the
dispensing queue)."""

import uuid

from django import template

from clinical.models import Allergy, Patient
from hms.prepared import Prepared

register = template.Library()

# Every patient page's banner asks this once (hms.prepared: compiled once, not per request).
_CURRENT = Prepared(
    lambda patient_id: Allergy.objects.filter(patient_id=patient_id, removed_at__isnull=True),
    patient_id=uuid.UUID(int=1),
)


def _current(patient: Patient) -> list[Allergy]:
    """The patient's allergies not removed: those a list read for all its rows beforehand
    (`current_allergies`, a Prefetch of allergy_records with removed_at null), else one query."""
    if hasattr(patient, "current_allergies"):
        return list(patient.current_allergies)
    return _CURRENT.all(patient_id=patient.pk)


@register.inclusion_tag("clinical/_allergy_banner.html", takes_context=True)
def allergy_banner(context, patient: Patient) -> dict:
    """The banner of `patient` (one query). Also shows reception's registration note."""
    allergies = _current(patient)
    return {
        "patient": patient,
        "allergies": allergies,
        "note": (patient.allergies or "").strip(),
        "none_known": patient.no_known_allergies_at is not None and not allergies,
        "user": context.get("user"),
    }


@register.inclusion_tag("clinical/_allergy_line.html")
def allergy_line(patient: Patient) -> dict:
    """The banner's words on one line of a list: no query when the list prefetched the
    patients' `current_allergies` (see _current)."""
    allergies = _current(patient)
    return {
        "patient": patient,
        "allergies": allergies,
        "note": (patient.allergies or "").strip(),
        "none_known": patient.no_known_allergies_at is not None and not allergies,
    }
