"""The allergy banner every patient header shows: the allergies, "No known allergies", or
"Allergies not recorded" in a warning colour; and the same words on one line of a list (the
dispensing queue)."""

import uuid
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

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


def allergy_words(allergy: Allergy) -> str:
    """clinical/_allergy_words.html, escaped: "Penicillins (severe: hives)"."""
    severity, reaction = allergy.severity_words, allergy.reaction
    if not (severity or reaction):
        return escape(str(allergy.name))
    joined = f"{escape(str(severity))}{': ' if severity and reaction else ''}{escape(reaction)}"
    return f"{escape(str(allergy.name))} ({joined})"


_NONE_KNOWN = (
    '<span class="d-block text-success-emphasis" data-testid="allergy-line"><i class="bi '
    'bi-shield-check" aria-hidden="true"></i> No known allergies</span>'
)
_NOT_RECORDED = (
    '<span class="d-block text-warning-emphasis fw-semibold" data-testid="allergy-line"><i '
    'class="bi bi-question-octagon-fill" aria-hidden="true"></i> Allergies not recorded: ask the '
    "patient</span>"
)


def allergy_line_html(patient: Patient) -> str:
    """The banner's words on one line of a list (red allergies and the registration note, green
    "No known allergies", amber "not recorded"): no query when the list prefetched the patients'
    `current_allergies` (see _current). Written in Python: a list shows it on every row."""
    allergies = _current(patient)
    note = (patient.allergies or "").strip()
    if allergies or note:
        words = "; ".join(allergy_words(allergy) for allergy in allergies)
        if note:
            words += f"{'; ' if allergies else ''}noted at registration: {escape(note)}"
        return (
            '<span class="d-block text-danger fw-semibold" data-testid="allergy-line"><i '
            f'class="bi bi-exclamation-octagon-fill" aria-hidden="true"></i> Allergies: {words}'
            "</span>"
        )
    return _NONE_KNOWN if patient.no_known_allergies_at is not None else _NOT_RECORDED


@register.simple_tag
def allergy_line(patient: Patient) -> SafeString:
    """`allergy_line_html` for a template (the MAR round's beds)."""
    return mark_safe(allergy_line_html(patient))  # noqa: S308 (every value escaped)
