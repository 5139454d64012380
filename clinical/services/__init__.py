"""Business actions of clinical, one module per area; every name is re-exported here, so callers
keep `from clinical import services` and `services.appointment_book(...)`.

- `patients`: register, edit, lifecycle state changes, chart views.
- `appointments`: book, reschedule, cancel, check in, no-show (and the rules they share).
- `schedules`: doctors' weekly schedule blocks and days off (admin).
- `portal`: the patient portal's login.
- `vitals`: recording vitals.
- `consultations`: encounters and prescriptions (and the consultation charge).
- `documents`: patient documents, uploaded and downloaded.
- `allergies`: a patient's allergies, "no known allergies", and the drug interaction table.
- `merging`: merging a duplicate record into the surviving one, and undoing it.

Each is one transaction with its audit row; a refusal raises an error a clerk can read.
"""

from clinical.services.allergies import (
    AllergyError,
    allergy_record,
    allergy_remove,
    drug_interaction_add,
    drug_interaction_deactivate,
    patient_no_known_allergies,
)
from clinical.services.appointments import (
    CONSULTATION_CHARGE,
    PORTAL_CHANGE_CUTOFF,
    BookingError,
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_check_in,
    appointment_move_to_doctor,
    appointment_no_show,
    appointment_reschedule,
    booking_last_day,
    consultation_fee_post,
    day_off_words,
)
from clinical.services.consultations import (
    ENCOUNTER_FIELDS,
    OVERRIDE_REASON_MIN,
    PRESCRIPTION_FIELDS,
    ConsultationError,
    PrescribingStopped,
    allergies_against_items,
    checks_answered,
    encounter_complete,
    encounter_save,
    encounter_start,
    may_change_notes,
    prescription_add,
    prescription_findings,
    prescription_remove,
)
from clinical.services.documents import document_downloaded, document_upload
from clinical.services.drafts import (
    encounter_draft_discard,
    encounter_draft_for,
    encounter_draft_save,
    notes_version,
)
from clinical.services.merging import MergeRefused, patient_merge, patient_unmerge
from clinical.services.patients import (
    AUDITED_FIELDS,
    DuplicateSuspected,
    IdentityTaken,
    patient_chart_opened,
    patient_register,
    patient_transition,
    patient_update,
)
from clinical.services.portal import portal_login_create
from clinical.services.schedules import (
    DAY_PARTS,
    HALF_DAY_SPLIT,
    days_off_for_leave,
    days_off_for_leave_lifted,
    schedule_block_add,
    schedule_block_remove,
    schedule_exception_add,
)
from clinical.services.vitals import (
    VITAL_FIELDS,
    VitalsError,
    patient_spo2_target_set,
    vitals_record,
)

__all__ = [
    "AllergyError",
    "allergy_record",
    "allergy_remove",
    "drug_interaction_add",
    "drug_interaction_deactivate",
    "patient_no_known_allergies",
    "PrescribingStopped",
    "DAY_PARTS",
    "HALF_DAY_SPLIT",
    "days_off_for_leave",
    "days_off_for_leave_lifted",
    "AUDITED_FIELDS",
    "DuplicateSuspected",
    "IdentityTaken",
    "patient_register",
    "patient_update",
    "patient_transition",
    "patient_chart_opened",
    "PORTAL_CHANGE_CUTOFF",
    "BookingError",
    "SlotTaken",
    "booking_last_day",
    "appointment_book",
    "appointment_move_to_doctor",
    "appointment_reschedule",
    "day_off_words",
    "appointment_cancel",
    "appointment_check_in",
    "appointment_no_show",
    "schedule_block_add",
    "schedule_block_remove",
    "schedule_exception_add",
    "portal_login_create",
    "VITAL_FIELDS",
    "vitals_record",
    "patient_spo2_target_set",
    "VitalsError",
    "CONSULTATION_CHARGE",
    "consultation_fee_post",
    "ENCOUNTER_FIELDS",
    "OVERRIDE_REASON_MIN",
    "allergies_against_items",
    "PRESCRIPTION_FIELDS",
    "ConsultationError",
    "may_change_notes",
    "encounter_start",
    "encounter_save",
    "encounter_complete",
    "prescription_add",
    "checks_answered",
    "prescription_findings",
    "prescription_remove",
    "encounter_draft_save",
    "encounter_draft_for",
    "encounter_draft_discard",
    "notes_version",
    "document_downloaded",
    "document_upload",
    "MergeRefused",
    "patient_merge",
    "patient_unmerge",
]
