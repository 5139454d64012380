"""Live updates of the wards: the topics their pages join, who may join them, and which services
refresh them (PUBLISHES, kept true by tests/hms/test_live_topics.py)."""

from hms import rbac, realtime

SIGNAL = "hms/signal.html"

# "beds": the bed board, for whoever may see it.
BEDS_TOPIC = "beds"
BEDS_EVENT = "hms:beds-changed"
# The bed board and admissions show patients' names: staff who see charts or demographics.
BOARD_SCOPES = {rbac.ALL, rbac.DEMOGRAPHICS}


def beds_changed() -> None:
    """Tell the open bed boards to fetch the beds again (after commit)."""
    realtime.publish(BEDS_TOPIC, SIGNAL, {"event": BEDS_EVENT})


def may_join_beds(user, topic: str) -> bool:
    return (
        topic == BEDS_TOPIC
        and rbac.allows(user, "patients.view_chart")
        and rbac.scope(user, "patients.view_chart") in BOARD_SCOPES
    )


# Topic prefix -> the check a page makes before showing it (registered by WardsConfig.ready).
TOPICS = {"beds": may_join_beds}

# Every state-changing service and the topic groups it refreshes (`<...>` is an id). An empty
# list is a choice: no open page shows what the service changes live (it shows on next load).
# Not listed: a person's own `user.<id>` group (messaging.notify refreshes their bell) and the
# audit log's `audit` topic, which every audited action reaches (hms.audit).
PUBLISHES: dict[str, list[str]] = {
    # The first day is charged on admission: the patient's account and the desk follow.
    "admission_create": ["beds", "account.<patient>", "billing"],
    "admission_transfer": ["beds", "account.<patient>", "billing"],
    # The stay's open test order, cancelled (its charge reversed) or carried over, in the lab.
    "discharge_open_order_settle": [
        "lab",
        "lab.patient.<patient>",
        "lab.doctor.<doctor>",
        "account.<patient>",
        "billing",
    ],
    "discharge_order": ["beds"],
    # A note shows on the stay's page when it is next opened (a ward round is read, not watched).
    "note_write": [],
    "note_edit": [],
    "note_addendum": [],
    "discharge_process": ["beds", "account.<patient>", "billing"],
    "bed_set_status": ["beds"],
    "ward_create": ["beds"],
    "ward_add_bed": ["beds"],
}
