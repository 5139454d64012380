"""Live updates of engineering: the topics its pages join, who may join them, and which services
refresh them (PUBLISHES, kept true by tests/hms/test_live_topics.py)."""

from hms import params, rbac, realtime

SIGNAL = "hms/signal.html"

# "engineering": the engineers' screens (the register, the queue, their dashboard);
# "engineering.machine.<id>": one machine's page, which every member of staff may open.
ENGINEERING_TOPIC = "engineering"
ENGINEERING_EVENT = "hms:engineering-changed"


def machine_topic(machine_id: int) -> str:
    return f"engineering.machine.{machine_id}"


def machine_event(machine_id: int) -> str:
    return f"hms:machine-{machine_id}"


def machine_changed(machine_id: int) -> None:
    """Tell the engineers' screens and the machine's own page to fetch it again (after commit)."""
    realtime.publish(ENGINEERING_TOPIC, SIGNAL, {"event": ENGINEERING_EVENT})
    realtime.publish(machine_topic(machine_id), SIGNAL, {"event": machine_event(machine_id)})


def register_changed() -> None:
    """Tell the engineers' screens that the register changed (a machine was added)."""
    realtime.publish(ENGINEERING_TOPIC, SIGNAL, {"event": ENGINEERING_EVENT})


def may_join_engineering(user, topic: str) -> bool:
    if topic == ENGINEERING_TOPIC:
        return rbac.allows(user, "engineering.machines")
    prefix = "engineering.machine."
    return (
        topic.startswith(prefix)
        and params.db_id(topic.removeprefix(prefix)) is not None
        and rbac.allows(user, "engineering.request")
    )


# Topic prefix -> the check a page makes before showing it (registered by EngineeringConfig.ready).
TOPICS = {"engineering": may_join_engineering}

# Every state-changing service and the topic groups it refreshes (`<...>` is an id). An empty
# list is a choice: no open page shows what the service changes live (it shows on next load).
# Not listed: a person's own `user.<id>` group (messaging.notify refreshes their bell) and the
# audit log's `audit` topic, which every audited action reaches (hms.audit).
_MACHINE = ["engineering", "engineering.machine.<machine>"]
PUBLISHES: dict[str, list[str]] = {
    "machine_register": ["engineering"],
    "machine_edit": _MACHINE,
    "machine_status_change": _MACHINE,
    # The requester hears of each step in their own group (messaging.notify), not listed here.
    "fault_request_raise": _MACHINE,
    "fault_request_take": _MACHINE,
    "work_log_add": _MACHINE,
    "work_order_escalate": _MACHINE,
    "work_order_resolve": _MACHINE,
    "pm_plan_save": _MACHINE,
    # The periodic task: the engineers' screens show the new work orders (their machines' pages
    # show them on next load).
    "pm_work_orders_create": ["engineering"],
    "pm_complete": _MACHINE,
}
