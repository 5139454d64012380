"""Live updates of clinical: the topics its pages join, who may join them, and which services
refresh them (PUBLISHES, kept true by tests/hms/test_live_topics.py)."""

from hms import params, rbac, realtime

SIGNAL = "hms/signal.html"


def doctor_today_topic(doctor_id: int) -> str:
    """doctor.<id>.today: one doctor's list of the day (their dashboard, the desk's view)."""
    return f"doctor.{doctor_id}.today"


def doctor_today_event(doctor_id: int) -> str:
    return f"hms:today-changed-{doctor_id}"


# The desk's appointments list (every doctor's appointments, any day): one topic for the desk.
APPOINTMENTS_TOPIC = "appointments"
APPOINTMENTS_EVENT = "hms:appointments-changed"


def today_changed(doctor_id: int) -> None:
    """Tell the pages showing the doctor's appointments (their day, the desk's list) to fetch
    them again (after commit)."""
    realtime.publish(
        doctor_today_topic(doctor_id), SIGNAL, {"event": doctor_today_event(doctor_id)}
    )
    realtime.publish(APPOINTMENTS_TOPIC, SIGNAL, {"event": APPOINTMENTS_EVENT})


def to_move_changed() -> None:
    """Tell the desk's pages (the appointments to move, the dashboards' count of them) that a
    doctor's days off changed (after commit)."""
    realtime.publish(APPOINTMENTS_TOPIC, SIGNAL, {"event": APPOINTMENTS_EVENT})


def may_join_doctor_day(user, topic: str) -> bool:
    """The doctor themself, or anyone who sees every appointment."""
    parts = topic.split(".")
    doctor_id = params.db_id(parts[1]) if len(parts) == 3 else None
    if doctor_id is None or parts[2] != "today":
        return False
    scope = rbac.scope(user, "appointments.view")
    if scope == rbac.OWN:  # a doctor's own day (a patient holds no doctor.<id> of theirs)
        return doctor_id == user.pk and rbac.allows(user, "clinical.consult")
    return scope == rbac.ALL


def may_join_appointments(user, topic: str) -> bool:
    """The desk's list of every doctor's appointments: those who see them all."""
    return topic == APPOINTMENTS_TOPIC and rbac.scope(user, "appointments.view") == rbac.ALL


# Every recorded set of vitals (the ward's home shows the latest NEWS2 and when the next is due).
VITALS_TOPIC = "vitals"
VITALS_EVENT = "hms:vitals-changed"


def vitals_changed() -> None:
    """Tell the pages showing the latest vitals of the ward's patients to fetch them again."""
    realtime.publish(VITALS_TOPIC, SIGNAL, {"event": VITALS_EVENT})


def may_join_vitals(user, topic: str) -> bool:
    """Observations are clinical: those who see the whole chart."""
    return topic == VITALS_TOPIC and rbac.scope(user, "patients.view_chart") == rbac.ALL


# Topic prefix -> the check a page makes before showing it (registered by ClinicalConfig.ready).
TOPICS = {
    "doctor": may_join_doctor_day,
    "appointments": may_join_appointments,
    "vitals": may_join_vitals,
}

# Every state-changing service and the topic groups it refreshes (`<...>` is an id). An empty
# list is a choice: no open page shows what the service changes live (it shows on next load).
# Not listed: a person's own `user.<id>` group (messaging.notify refreshes their bell) and the
# audit log's `audit` topic, which every audited action reaches (hms.audit).
PUBLISHES: dict[str, list[str]] = {
    "patient_register": [],
    "patient_update": [],
    "patient_transition": [],
    "appointment_book": ["doctor.<doctor>.today", "appointments"],
    "appointment_reschedule": ["doctor.<doctor>.today", "appointments"],
    "appointment_move_to_doctor": ["doctor.<doctor>.today", "appointments"],
    "appointment_cancel": ["doctor.<doctor>.today", "appointments"],
    # The consultation fee is posted at check-in (HMS_CONSULTATION_FEE_AT=check_in, the default):
    # the patient's account and the desk follow. Posted at booking instead, or reversed by a
    # cancel or no-show after it was posted, it refreshes them from those services too.
    "appointment_check_in": [
        "doctor.<doctor>.today",
        "appointments",
        "account.<patient>",
        "billing",
    ],
    "appointment_no_show": ["doctor.<doctor>.today", "appointments"],
    # The appointments that moved show the other record's name now (or again). The patient's
    # other pages (account, bills, tests) show the merge on their next load.
    "patient_merge": ["doctor.<doctor>.today", "appointments"],
    "patient_unmerge": ["doctor.<doctor>.today", "appointments"],
    "schedule_block_add": [],
    "schedule_block_remove": [],
    "schedule_exception_add": [],
    # The desk's "appointments to move" (its list and the dashboards' count) follow a leave.
    "days_off_for_leave": ["appointments"],
    "days_off_for_leave_lifted": ["appointments"],
    "portal_login_create": [],
    "vitals_record": ["vitals"],
    "patient_spo2_target_set": [],  # the vitals page shows it on its next load
    # Allergies and the interaction table show on the chart and the prescribing form when next
    # opened (the prescription service reads them afresh at every line).
    "allergy_record": [],
    "allergy_remove": [],
    "patient_no_known_allergies": [],
    "drug_interaction_add": [],
    "drug_interaction_deactivate": [],
    # The appointment is "In consultation": the doctor's day and the desk's list follow (and the
    # queue's screens, when the patient's ticket at the room becomes "being seen").
    "encounter_start": ["doctor.<doctor>.today", "appointments"],
    "encounter_save": [],
    # The draft is its writer's scratch: nobody else's page shows it.
    "encounter_draft_save": [],
    "encounter_draft_discard": [],
    "encounter_complete": [
        "doctor.<doctor>.today",
        "appointments",
        "account.<patient>",
        "billing",
    ],
    # The pharmacy listens for a prescription saved or deleted (pharmacy.live.prescription_saved,
    # as lab listens for machines): its queue and the patient's prescriptions refresh.
    "prescription_add": ["pharmacy.queue", "pharmacy.patient.<patient>"],
    "prescription_remove": ["pharmacy.queue", "pharmacy.patient.<patient>"],
    "document_upload": [],
    "document_downloaded": [],
}
