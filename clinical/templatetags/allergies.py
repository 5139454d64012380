"""The allergy banner every patient header shows: the allergies, "No known allergies", or
"Allergies not recorded" in a warning colour."""

from django import template

from clinical.models import Allergy, Patient

register = template.Library()


@register.inclusion_tag("clinical/_allergy_banner.html", takes_context=True)
def allergy_banner(context, patient: Patient) -> dict:
    """The banner of `patient` (one query). Also shows reception's registration note."""
    allergies = list(Allergy.objects.filter(patient=patient, removed_at__isnull=True))
    return {
        "patient": patient,
        "allergies": allergies,
        "note": (patient.allergies or "").strip(),
        "none_known": patient.no_known_allergies_at is not None and not allergies,
        "user": context.get("user"),
    }
