"""Read-only questions about patients, asked by clinical's screens and by other modules.

The assigned-doctor relation (DESIGN.md): a doctor with a non-cancelled appointment with the
patient, or the attending doctor of the patient's active admission. Appointments and admissions
arrive with the scheduling part of this module and with wards; until then no doctor is assigned
to any patient, so chat lets no patient write to anyone yet.
"""

import difflib
import re
from datetime import date

from django.db.models import Q, QuerySet

from clinical.models import Patient, PatientState
from hms import rbac

SEARCH_LIMIT = 20
MRN_DIGITS = 6


def name_key(first_name: str, last_name: str) -> str:
    return " ".join(f"{first_name} {last_name}".lower().split())


def phone_digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def likely_duplicates(
    *, first_name: str, last_name: str, date_of_birth: date | None, phone: str, exclude=None
) -> list[Patient]:
    """Patients who may be this same person: same phone, same name and birth date, or a name
    spelt a little differently with the same birth date."""
    key = name_key(first_name, last_name)
    digits = phone_digits(phone)
    found: dict = {}
    candidates = Patient.objects.all()
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    if len(digits) >= 9:
        # The last 9 digits: 0712… and +254712… are the same Kenyan number.
        for patient in candidates.filter(phone_digits__endswith=digits[-9:])[:10]:
            found[patient.pk] = patient
    if date_of_birth:
        for patient in candidates.filter(date_of_birth=date_of_birth)[:200]:
            if patient.name_key == key or (
                difflib.SequenceMatcher(None, patient.name_key, key).ratio() >= 0.8
            ):
                found[patient.pk] = patient
    return list(found.values())


def patient_search(query: str, *, include_archived: bool = False) -> QuerySet:
    """By MRN, phone or name, as the clerk types. Name and phone use indexed columns (a trigram
    index on PostgreSQL), so this stays fast on 100,000 patients."""
    query = query.strip()
    patients = Patient.objects.all()
    if not include_archived:
        patients = patients.exclude(state=PatientState.ARCHIVED)
    if not query:
        return patients.none()
    digits = phone_digits(query)
    condition = Q(name_key__contains=" ".join(query.lower().split()))
    if digits and len(digits) == len(query.replace(" ", "").lstrip("+")):
        condition = (
            Q(mrn=digits.zfill(MRN_DIGITS))
            | Q(mrn__startswith=digits)
            | Q(phone_digits__contains=digits)
        )
    return patients.filter(condition).order_by("last_name", "first_name")[:SEARCH_LIMIT]


def patient_for(user, patient_id) -> Patient | None:
    """The patient record `user` may open, or None: a patient only ever gets their own."""
    patients = Patient.objects.select_related("user")
    if user.role == rbac.PATIENT:
        patients = patients.filter(user=user)
    return patients.filter(pk=patient_id).first()


def assigned_doctor_ids(patient_user) -> set[int]:
    """User ids of the doctors assigned to the patient whose portal login is `patient_user`."""
    return set()


def assigned_patient_user_ids(doctor) -> set[int]:
    """Portal-login user ids of the patients `doctor` is assigned to."""
    return set()
