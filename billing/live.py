"""Live updates of billing: the topics its pages join, who may join them, and which services
refresh them (PUBLISHES, kept true by tests/hms/test_live_topics.py)."""

from hms import rbac, realtime

SIGNAL = "hms/signal.html"

# "account.<patient id>": one patient's account; "billing": the desk's outstanding list and the
# billing panel of the reception and accountant dashboards.
BILLING_TOPIC = "billing"
BILLING_EVENT = "hms:billing-changed"


def account_topic(patient_id: int) -> str:
    return f"account.{patient_id}"


def account_event(patient_id: int) -> str:
    return f"hms:account-changed-{patient_id}"


def account_changed(patient_id: int) -> None:
    """Tell open billing screens (the patient's account, the desk's outstanding list) to refresh
    their figures (after commit)."""
    realtime.publish(account_topic(patient_id), SIGNAL, {"event": account_event(patient_id)})
    realtime.publish(BILLING_TOPIC, SIGNAL, {"event": BILLING_EVENT})


def may_join_billing_desk(user, topic: str) -> bool:
    return rbac.scope(user, "billing.invoices") == rbac.ALL


# Topic prefix -> the check a page makes before showing it (registered by BillingConfig.ready).
TOPICS = {"account": may_join_billing_desk, "billing": may_join_billing_desk}

# Every state-changing service and the topic groups it refreshes (`<...>` is an id). An empty
# list is a choice: no open page shows what the service changes live (it shows on next load).
# Not listed: a person's own `user.<id>` group (messaging.notify refreshes their bell) and the
# audit log's `audit` topic, which every audited action reaches (hms.audit).
_DESK = ["account.<patient>", "billing"]
PUBLISHES: dict[str, list[str]] = {
    # The price list: the next charge uses it; nothing open shows it live.
    "charge_item_save": [],
    "charge_post": _DESK,
    "charge_reverse": _DESK,
    "charges_join_stay": _DESK,
    "invoice_draft": _DESK,
    "invoice_set_discount": _DESK,
    "invoice_issue": _DESK,
    "invoice_void": _DESK,
    "payment_take": _DESK,
    "payment_refund": _DESK,
    "payment_reverse": _DESK,
    "advance_take": _DESK,
    "advance_apply": _DESK,
    "advance_refund": _DESK,
    "credit_note_issue": _DESK,
    "claim_approve": _DESK,
    "claim_reject": _DESK,
    "claim_record_payment": _DESK,
    # An exemption: the account page and the desk show the stay may now end owing.
    "discharge_exemption_grant": _DESK,
}
