"""Read-only questions other modules ask about patients.

The assigned-doctor relation (DESIGN.md): a doctor with a non-cancelled appointment with the
patient, or the attending doctor of the patient's active admission. Appointments and admissions
are built by the clinical and wards issues; until they land no doctor is assigned to any patient,
so these answer with empty sets (and chat lets no patient write to anyone yet).
"""


def assigned_doctor_ids(patient_user) -> set[int]:
    """User ids of the doctors assigned to the patient whose portal login is `patient_user`."""
    return set()


def assigned_patient_user_ids(doctor) -> set[int]:
    """Portal-login user ids of the patients `doctor` is assigned to."""
    return set()
