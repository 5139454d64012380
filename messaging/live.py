"""Live updates of messaging: the topics its pages join (a chat thread, a person's presence), who
may join them, and which services refresh what (PUBLISHES, kept true by
tests/hms/test_live_topics.py). Every socket also joins its user's `user.<id>` group, where
notifications, bells and chat badges arrive."""

from django.contrib.auth import get_user_model

from hms import params, rbac
from messaging import rules
from messaging.models import ThreadMember


def thread_group(thread_id: int) -> str:
    """thread.<id>: the open pages of one conversation (messages, typing, receipts)."""
    return f"thread.{thread_id}"


def presence_group(person_id: int) -> str:
    """presence.<id>: pages showing whether that person is online (published by the consumer)."""
    return f"presence.{person_id}"


def may_join_thread(user, topic: str) -> bool:
    thread_id = params.db_id(topic.partition(".")[2])
    return (
        thread_id is not None
        and rbac.allows(user, "chat.use")
        and ThreadMember.objects.filter(thread_id=thread_id, user=user).exists()
    )


def may_see_presence(user, topic: str) -> bool:
    person_id = params.db_id(topic.partition(".")[2])
    person = get_user_model().objects.filter(pk=person_id).first() if person_id else None
    return person is not None and rules.may_talk(user, person)


# Topic prefix -> the check a page makes before showing it (registered by MessagingConfig.ready).
TOPICS = {"thread": may_join_thread, "presence": may_see_presence}

# Every state-changing service and the groups it refreshes (`<...>` is an id). An empty list is a
# choice: no open page shows what the service changes live (it shows on next load).
PUBLISHES: dict[str, list[str]] = {
    "notify": ["user.<recipient>"],
    "notification_mark_read": ["user.<reader>"],
    "notification_mark_all_read": ["user.<reader>"],
    # One acknowledgement settles the event for everyone it went to: their bells and pinned lists.
    "notification_acknowledge": ["user.<recipient>"],
    # A muted kind changes what arrives next, not what is on screen.
    "notification_mute": [],
    # The escalation is a notification to the second doctor and the admins.
    "urgent_escalate": ["user.<recipient>"],
    # A new conversation shows once its first message is sent.
    "thread_start": [],
    "message_send": ["thread.<thread>", "user.<member>"],
    "thread_mark_delivered": ["thread.<thread>"],
    "thread_mark_read": ["thread.<thread>", "user.<reader>"],
}
