"""Live updates of the pharmacy: the topics its pages join, who may join them, and which services
refresh them (PUBLISHES, kept true by tests/hms/test_live_topics.py)."""

from django.db.models.signals import post_delete

from hms import rbac, realtime

SIGNAL = "hms/signal.html"

# "pharmacy.queue": the dispensing queue (a prescription written, dispensed, returned);
# "pharmacy.alerts": the reorder and expiry alerts and the stock figures pharmacists watch;
# "pharmacy.patient.<id>": what has been dispensed of a patient's prescriptions, as the doctor's
# consultation and the admission pages show it, and the patient's medication chart;
# "pharmacy.store.<id>": a store's transfers waiting to be received (the ward nurse's list);
# "pharmacy.mar.ward.<id>": the ward's medication round; "pharmacy.mar": the overdue doses of
# the nurse's home.
QUEUE_TOPIC = "pharmacy.queue"
QUEUE_EVENT = "hms:pharmacy-queue-changed"
ALERTS_TOPIC = "pharmacy.alerts"
ALERTS_EVENT = "hms:pharmacy-alerts-changed"


def patient_topic(patient_id: int) -> str:
    return f"pharmacy.patient.{patient_id}"


def patient_event(patient_id: int) -> str:
    return f"hms:pharmacy-patient-{patient_id}"


def store_topic(store_id: int) -> str:
    return f"pharmacy.store.{store_id}"


def store_event(store_id: int) -> str:
    return f"hms:pharmacy-store-{store_id}"


MAR_TOPIC = "pharmacy.mar"
MAR_EVENT = "hms:pharmacy-mar-changed"


def mar_ward_topic(ward_id: int) -> str:
    return f"pharmacy.mar.ward.{ward_id}"


def mar_ward_event(ward_id: int) -> str:
    return f"hms:pharmacy-mar-ward-{ward_id}"


def mar_patient_event(patient_id: int) -> str:
    return f"hms:pharmacy-mar-patient-{patient_id}"


def mar_changed(*, patient_id: object, ward_id: int) -> None:
    """Tell the patient's medication chart and the ward's MAR round (and the overdue-doses panel
    of the nurse's home) to fetch them again, after commit."""
    realtime.publish(patient_topic(patient_id), SIGNAL, {"event": mar_patient_event(patient_id)})
    realtime.publish(mar_ward_topic(ward_id), SIGNAL, {"event": mar_ward_event(ward_id)})
    realtime.publish(MAR_TOPIC, SIGNAL, {"event": MAR_EVENT})


def queue_changed(*, patient_id: int | None = None) -> None:
    """Tell the dispensing queue (and the pages showing the patient's prescriptions) to fetch
    them again, after commit."""
    realtime.publish(QUEUE_TOPIC, SIGNAL, {"event": QUEUE_EVENT})
    if patient_id is not None:
        realtime.publish(patient_topic(patient_id), SIGNAL, {"event": patient_event(patient_id)})


def stock_changed(*, store_ids: list[int] | tuple[int, ...] = ()) -> None:
    """Tell the pages showing stock figures and alerts, and the stores' transfer lists, to fetch
    them again, after commit."""
    realtime.publish(ALERTS_TOPIC, SIGNAL, {"event": ALERTS_EVENT})
    for store_id in store_ids:
        realtime.publish(store_topic(store_id), SIGNAL, {"event": store_event(store_id)})


def may_join_pharmacy(user, topic: str) -> bool:
    if topic in (QUEUE_TOPIC, ALERTS_TOPIC):
        return rbac.allows(user, "pharmacy.dispense") or (
            topic == ALERTS_TOPIC and rbac.allows(user, "pharmacy.stock_view")
        )
    if topic == MAR_TOPIC or topic.startswith(("pharmacy.patient.", "pharmacy.mar.")):
        return rbac.scope(user, "patients.view_chart") == rbac.ALL
    if topic.startswith("pharmacy.store."):
        return rbac.allows(user, "pharmacy.stock_move")
    return False


# Topic prefix -> the check a page makes before showing it (registered by PharmacyConfig.ready).
TOPICS = {"pharmacy": may_join_pharmacy}

# Every state-changing service and the topic groups it refreshes (`<...>` is an id). An empty
# list is a choice: no open page shows what the service changes live (it shows on next load).
# Each part of the pharmacy (formulary, stock, dispensing) adds its services here.
_ALERTS = ["pharmacy.alerts"]
_STORE = ["pharmacy.alerts", "pharmacy.store.<store>"]
_TWO_STORES = ["pharmacy.alerts", "pharmacy.store.<from_store>", "pharmacy.store.<to_store>"]
_MAR = ["pharmacy.patient.<id>", "pharmacy.mar.ward.<ward>", MAR_TOPIC]
PUBLISHES: dict[str, list[str]] = {
    # Formulary: no open page shows an item live; the lists, the prescribing search and the
    # counter read it on their next load or keystroke.
    "formulary_item_save": [],
    "dispense": [QUEUE_TOPIC, "pharmacy.patient.<id>", ALERTS_TOPIC, "pharmacy.store.<id>"],
    "dispense_return": [QUEUE_TOPIC, "pharmacy.patient.<id>", ALERTS_TOPIC, "pharmacy.store.<id>"],
    "sale_record": [ALERTS_TOPIC, "pharmacy.store.<id>"],
    # Stores and stock (services/stock.py): every movement refreshes the stock figures and
    # alerts, and the lists of the stores it touched.
    "store_save": _STORE,
    # The list of suppliers shows on next load; nothing open shows a supplier live.
    "supplier_save": [],
    "receipt_record": _STORE,
    "transfer_send": _TWO_STORES,
    "transfer_receive": _TWO_STORES,
    "ward_use_record": _STORE,
    "stock_adjust": _STORE,
    "expired_write_off": _STORE,
    # Starting a count and keeping counts typed so far move no stock.
    "stock_take_start": [],
    "stock_take_save": [],
    "stock_take_post": _STORE,
    "stock_alerts_refresh": _ALERTS,
    # The medication administration record (services/mar.py): the patient's chart and the ward's
    # round; a dose given also moves the ward store's stock.
    "medication_order_create": _MAR,
    "medication_order_stop": _MAR,
    "dose_record": [
        *_MAR,
        ALERTS_TOPIC,
        "pharmacy.store.<id>",
    ],
}


def prescription_saved(sender, instance, **kwargs) -> None:
    """A prescription written, changed or removed (clinical's service, which never imports the
    pharmacy): the dispensing queue and the patient's pages fetch it again after commit.

    A drug from outside the hospital never enters the queue: writing or removing one changes
    nothing there. (A changed one still tells: it may have been a formulary item before.)"""
    outside = instance.formulary_item_id is None
    if outside and (kwargs.get("created") or kwargs.get("signal") is post_delete):
        return
    queue_changed(patient_id=instance.patient_id)
