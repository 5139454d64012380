"""Live updates of the lab: the topics its pages join, who may join them, and which services
refresh them (PUBLISHES, kept true by tests/hms/test_live_topics.py)."""

from engineering.models import IMAGING_MACHINE_TYPES
from hms import rbac, realtime

SIGNAL = "hms/signal.html"

# "lab": the worklist (technicians, admin); "lab.patient.<id>": a patient's orders as shown on
# consultation and admission pages (staff who view results); "lab.doctor.<id>": that doctor's own
# orders on their dashboard; "lab.machines": the banner of imaging machines not working, on the
# worklist and the doctor's order form (staff, who may look machines up anyway).
WORKLIST_TOPIC = "lab"
WORKLIST_EVENT = "hms:lab-changed"
MACHINES_TOPIC = "lab.machines"
MACHINES_EVENT = "hms:lab-machines-changed"


def patient_topic(patient_id: int) -> str:
    return f"lab.patient.{patient_id}"


def patient_event(patient_id: int) -> str:
    return f"hms:lab-orders-{patient_id}"


def doctor_topic(doctor_id: int) -> str:
    return f"lab.doctor.{doctor_id}"


def doctor_event(doctor_id: int) -> str:
    return f"hms:lab-doctor-{doctor_id}"


def order_changed(*, patient_id: int, ordered_by_id: int) -> None:
    """Tell the worklists, the pages showing the patient's orders and the ordering doctor's
    dashboard to fetch them again (after commit)."""
    realtime.publish(WORKLIST_TOPIC, SIGNAL, {"event": WORKLIST_EVENT})
    realtime.publish(patient_topic(patient_id), SIGNAL, {"event": patient_event(patient_id)})
    realtime.publish(doctor_topic(ordered_by_id), SIGNAL, {"event": doctor_event(ordered_by_id)})


def machines_changed() -> None:
    """Tell the pages showing which imaging machines are down to fetch it again (after commit)."""
    realtime.publish(MACHINES_TOPIC, SIGNAL, {"event": MACHINES_EVENT})


def machine_saved(sender, instance, update_fields=None, **kwargs) -> None:
    """Engineering saved a machine (post_save, connected by LabConfig.ready): its status settled
    from its history, or it was registered or edited. Engineering builds on accounts and knows
    nothing of the lab's pages, so the lab listens rather than engineering publishing to them;
    realtime.publish waits for the commit, so a rolled-back change is never announced."""
    if update_fields is None or (
        "status" in update_fields and instance.machine_type in IMAGING_MACHINE_TYPES
    ):
        machines_changed()


def may_join_lab(user, topic: str) -> bool:
    if topic == MACHINES_TOPIC:
        return rbac.allows(user, "engineering.request")
    if topic == WORKLIST_TOPIC:
        return rbac.allows(user, "tests.process")
    if topic.startswith("lab.patient."):
        return rbac.scope(user, "tests.view_results") == rbac.ALL
    return topic == doctor_topic(user.pk) and rbac.allows(user, "tests.order")


# Topic prefix -> the check a page makes before showing it (registered by LabConfig.ready).
TOPICS = {"lab": may_join_lab}

# Every state-changing service and the topic groups it refreshes (`<...>` is an id). An empty
# list is a choice: no open page shows what the service changes live (it shows on next load).
# Not listed: a person's own `user.<id>` group (messaging.notify refreshes their bell) and the
# audit log's `audit` topic, which every audited action reaches (hms.audit).
_ORDER = ["lab", "lab.patient.<patient>", "lab.doctor.<doctor>"]
PUBLISHES: dict[str, list[str]] = {
    "order_tests": [*_ORDER, "account.<patient>", "billing"],
    "order_cancel": _ORDER,
    "order_carry_over": _ORDER,
    "order_advance": _ORDER,
    "results_enter": _ORDER,
    "results_amend": _ORDER,
    "report_attach": _ORDER,
    "report_downloaded": [],
    # The lab's record of the critical-value call shows on the result when it is next opened.
    "critical_call_record": [],
    "catalogue_save": [],
    "catalogue_part_save": [],
    "catalogue_part_remove": [],
}
