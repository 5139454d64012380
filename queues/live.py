"""Live updates of the queue: the topics its pages join, who may join them, and which services
refresh them (PUBLISHES, kept true by tests/hms/test_live_topics.py).

Staff pages listen on the signed-in socket (`queue`: the overview and the desk's flow panel;
`queue.<point>`: one service point's line). The waiting-area TVs are not signed in: they hold a
socket of their own (queues.consumers.DisplayConsumer, admitted by the display's token), which
joins only DISPLAYS_GROUP. Every message is a signal (the page fetches itself again); a TV's
board is read over HTTP with its token and carries ticket numbers only.
"""

from hms import params, rbac, realtime

SIGNAL = "hms/signal.html"
QUEUE_TOPIC = "queue"
QUEUE_EVENT = "hms:queue-changed"
# Not a topic of the signed-in socket (no check is registered for it): only the display
# consumer joins it.
DISPLAYS_GROUP = "queue-displays"
DISPLAY_EVENT = "hms:display-changed"


def point_topic(point_id: int) -> str:
    return f"queue.{point_id}"


def point_event(point_id: int) -> str:
    return f"hms:queue-changed-{point_id}"


def queue_changed(*point_ids: int) -> None:
    """Tell the overview, the points' own pages and the TVs to fetch again (after commit)."""
    realtime.publish(QUEUE_TOPIC, SIGNAL, {"event": QUEUE_EVENT})
    for point_id in dict.fromkeys(point_ids):
        realtime.publish(point_topic(point_id), SIGNAL, {"event": point_event(point_id)})
    realtime.publish(DISPLAYS_GROUP, SIGNAL, {"event": DISPLAY_EVENT})


def may_join_queue(user, topic: str) -> bool:
    """`queue` and `queue.<point>`: staff who see the queues (the page's own check)."""
    parts = topic.split(".")
    if len(parts) == 2 and params.db_id(parts[1]) is None:
        return False
    return len(parts) <= 2 and rbac.allows(user, "queue.view")


TOPICS = {"queue": may_join_queue}

PUBLISHES: dict[str, list[str]] = {
    "ticket_issue": ["queue", "queue.<point>", DISPLAYS_GROUP],
    "ticket_call_next": ["queue", "queue.<point>", DISPLAYS_GROUP],
    "ticket_recall": ["queue", "queue.<point>", DISPLAYS_GROUP],
    "ticket_serve": ["queue", "queue.<point>", DISPLAYS_GROUP],
    "ticket_finish": ["queue", "queue.<point>", DISPLAYS_GROUP],
    "ticket_no_show": ["queue", "queue.<point>", DISPLAYS_GROUP],
    "ticket_transfer": ["queue", "queue.<point>", DISPLAYS_GROUP],
    "service_point_save": ["queue", DISPLAYS_GROUP],
    "display_create": [],
    "display_revoke": [],
}
