"""The patient lifecycle: which state may follow which, in one place.

Registered → Appointment scheduled → Under treatment → (Admitted →) Discharged → Archived, with
the ways back a hospital needs (a cancelled appointment returns a patient to Registered; a
discharged patient comes back for a new appointment or admission; archiving is undone by
reactivating). Services move patients only through `check`, which explains a refusal.
"""

from clinical.models import PatientState as S
from hms.refusals import Refusal

ALLOWED: dict[str, set[str]] = {
    S.REGISTERED: {S.APPOINTMENT_SCHEDULED, S.UNDER_TREATMENT, S.ADMITTED, S.ARCHIVED},
    S.APPOINTMENT_SCHEDULED: {S.REGISTERED, S.UNDER_TREATMENT, S.ADMITTED},
    S.UNDER_TREATMENT: {S.APPOINTMENT_SCHEDULED, S.ADMITTED, S.DISCHARGED},
    S.ADMITTED: {S.DISCHARGED},
    S.DISCHARGED: {S.APPOINTMENT_SCHEDULED, S.UNDER_TREATMENT, S.ADMITTED, S.ARCHIVED},
    S.ARCHIVED: {S.REGISTERED},
}

HINTS: dict[tuple[str, str], str] = {
    (S.ADMITTED, S.ARCHIVED): "Discharge the patient first.",
    (S.APPOINTMENT_SCHEDULED, S.ARCHIVED): "Cancel the patient's appointments first.",
    (S.UNDER_TREATMENT, S.ARCHIVED): "Finish the treatment (discharge) first.",
    (S.ARCHIVED, S.APPOINTMENT_SCHEDULED): "Reactivate the patient's record first.",
    (S.ARCHIVED, S.ADMITTED): "Reactivate the patient's record first.",
}


class TransitionRefused(Refusal):
    """A lifecycle step that is not allowed, with the sentence a clerk reads."""


def check(current: str, target: str) -> None:
    if target not in ALLOWED.get(current, set()):
        hint = HINTS.get((current, target), "")
        raise TransitionRefused(
            f"A patient who is {S(current).label} cannot become {S(target).label}. {hint}".strip()
        )
