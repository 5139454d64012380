"""Notifications (every app tells people things through `notify`) and chat: one function per
action, each saving first and publishing on commit. The reads they use (unread counts, receipt
statuses) live in messaging.selectors."""

import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from clinical import selectors as clinical_selectors
from hms import audit, rbac, realtime, submissions
from hms.locking import locked
from hms.refusals import Refusal
from messaging import kinds, rules
from messaging.live import thread_group
from messaging.models import Message, Notification, NotificationMute, Thread, ThreadMember
from messaging.selectors import (
    bell_counts,
    chat_unread_count,
    message_event,
    receipt_statuses,
    unread_count,
    unread_counts,
    urgent_waiting_count,
)

TEXT_LIMIT = Notification._meta.get_field("text").max_length


def _recipients(to: User | Iterable[User] | str) -> list:
    """A user, several users, or a role name (every active user of that role)."""
    User = get_user_model()
    if isinstance(to, str):
        return list(User.objects.filter(role=to, is_active=True))
    if isinstance(to, User):
        return [to]
    return list(to)


@transaction.atomic
def notify(
    to: User | Iterable[User] | str,
    text: str,
    *,
    link: str = "",
    urgent: bool = False,
    kind: str = "",
    event: str = "",
) -> list[Notification]:
    """Save a notification for each recipient, then (on commit) update their bell and show a toast
    on every page they have open. `kind` names what it is about ("critical_result", "news2", ...)
    for grouping and muting (messaging.kinds). `event` names the event it tells of, so that one
    acknowledgement settles every notification about it; an urgent notification without one gets
    a fresh one shared by this call's recipients. A recipient who muted a routine `kind` still gets
    the notification in their list, already read and without a pop-up.

    Raises no domain error.
    """
    recipients = _recipients(to)
    if not recipients:
        return []
    if urgent and not event:
        event = uuid.uuid4().hex
    return _deliver(recipients, text, link=link, urgent=urgent, kind=kind, event=event)


def _deliver(
    recipients: list,
    text: str,
    *,
    link: str,
    urgent: bool,
    kind: str,
    event: str,
    is_escalation: bool = False,
) -> list[Notification]:
    text = text.strip()[:TEXT_LIMIT]
    muted: set[int] = set()
    if kind and not urgent:
        muted = set(
            NotificationMute.objects.filter(user__in=recipients, kind=kind).values_list(
                "user_id", flat=True
            )
        )
    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                text=text,
                link=link,
                urgent=urgent,
                kind=kind,
                event=event[:80],
                is_escalation=is_escalation,
                read_at=now if user.pk in muted else None,
            )
            for user in recipients
        ]
    )
    counts = bell_counts(recipients)
    for notification in notifications:
        user_id = notification.recipient_id
        if user_id in muted:
            continue
        unread, waiting = counts.get(user_id, (0, 0))
        # An urgent one also asks the pages showing the pinned list to fetch it again.
        realtime.publish(
            realtime.user_group(user_id),
            "messaging/live_notification.html",
            {"notification": notification, "unread_count": unread, "urgent_waiting": waiting},
            api_event={
                "type": "notification",
                "id": notification.pk,
                "unread_count": unread,
                "urgent_waiting": waiting,
            },
        )
    return notifications


def _publish_bell(user: User) -> None:
    unread, waiting = unread_count(user), urgent_waiting_count(user)
    realtime.publish(
        realtime.user_group(user.pk),
        "messaging/bell.html",
        {"unread_count": unread, "urgent_waiting": waiting, "oob": True},
        api_event={
            "type": "notifications.count",
            "unread_count": unread,
            "urgent_waiting": waiting,
        },
    )


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of `user`'s notifications read and refresh their bell.

    Raises Notification.DoesNotExist when the notification is not `user`'s.
    """
    notification = locked(Notification.objects).get(pk=notification_id, recipient=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        _publish_bell(user)
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User) -> int:
    """Mark all of `user`'s notifications read; returns how many changed.

    Raises no domain error.
    """
    changed = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if changed:
        _publish_bell(user)
    return changed


class NotificationError(Refusal):
    """A notification action refused, with the sentence a person reads."""


ACKNOWLEDGEMENT_LIMIT = Notification._meta.get_field("acknowledgement_note").max_length


@transaction.atomic
@submissions.once("notification.acknowledge")
def notification_acknowledge(
    *, actor: User, notification_id: int, note: str, request: HttpRequest | None = None
) -> list[Notification]:
    """Acknowledge an urgent notification with a note of what was done: it and every other
    notification about the same event (the other recipients', the escalation copies) are settled
    at once, marked read and unpinned; audited as `notification.acknowledge`. Returns the
    notifications it settled.

    Raises Notification.DoesNotExist when the notification is not `actor`'s; NotificationError
    when it is not urgent, the note is missing or longer than 500 characters, or someone already
    acknowledged it (naming who and when).
    """
    notification = locked(Notification.objects).get(pk=notification_id, recipient=actor)
    if not notification.urgent:
        raise NotificationError("Only urgent notifications are acknowledged; open it instead.")
    if notification.acknowledged_at is not None:
        who = notification.acknowledged_by or "someone"
        at = timezone.localtime(notification.acknowledged_at).strftime("%H:%M")
        raise NotificationError(f"Already acknowledged by {who} at {at}.")
    note = note.strip()
    if not note:
        raise NotificationError("Say what was done about it.", field="note")
    if len(note) > ACKNOWLEDGEMENT_LIMIT:
        raise NotificationError(
            f"Note: at most {ACKNOWLEDGEMENT_LIMIT} characters; this one has {len(note)}.",
            field="note",
        )
    same_event = locked(Notification.objects).filter(acknowledged_at__isnull=True)
    if notification.event:
        same_event = same_event.filter(event=notification.event, urgent=True)
    else:
        same_event = same_event.filter(pk=notification.pk)
    settled = list(same_event.select_related("recipient"))
    now = timezone.now()
    for row in settled:
        row.acknowledged_at, row.acknowledged_by, row.acknowledgement_note = now, actor, note
        row.read_at = row.read_at or now
    Notification.objects.bulk_update(
        settled, ["acknowledged_at", "acknowledged_by", "acknowledgement_note", "read_at"]
    )
    audit.record(
        actor=actor,
        action="notification.acknowledge",
        obj=notification,
        after={
            "note": note,
            "kind": notification.kind,
            "event": notification.event,
            "text": notification.text,
            "recipients": sorted({row.recipient_id for row in settled}),
        },
        request=request,
    )
    for user in {row.recipient_id: row.recipient for row in settled}.values():
        _publish_bell(user)
        realtime.publish(
            realtime.user_group(user.pk),
            "messaging/acknowledged_live.html",
            {"settled": [row for row in settled if row.recipient_id == user.pk], "by": actor},
            api_event={
                "type": "notifications.acknowledged",
                "ids": [row.pk for row in settled if row.recipient_id == user.pk],
                "by": str(actor),
            },
        )
    return settled


@transaction.atomic
def notification_mute(*, user: User, kind: str, muted: bool) -> None:
    """Mute (or, with muted=False, unmute) a routine kind of notification for `user`: muted ones
    are still listed but arrive read and without a pop-up.

    Raises NotificationError when the kind is unknown or urgent (urgent kinds cannot be muted).
    """
    if kind in kinds.URGENT_KINDS:
        raise NotificationError(f"{kinds.label(kind)} cannot be muted.")
    if kind not in kinds.ROUTINE_KINDS:
        raise NotificationError("There is no such kind of notification.")
    if muted:
        NotificationMute.objects.get_or_create(user=user, kind=kind)
    else:
        NotificationMute.objects.filter(user=user, kind=kind).delete()


def _second_doctor(event_rows: list[Notification], now: datetime) -> User | None:
    """Who an unacknowledged alert goes to next (docs/DECISIONS.md): an active doctor of the same
    department as the doctor it went to, not away now, with the fewest alerts waiting on them;
    when the department has none, any such doctor of the hospital. Never someone it already
    reached."""
    reached = {row.recipient_id for row in event_rows}
    first_doctor = next(
        (row.recipient for row in event_rows if row.recipient.role == rbac.DOCTOR), None
    )
    candidates = [doctor for doctor in clinical_selectors.doctors() if doctor.pk not in reached]
    candidates = [d for d in candidates if clinical_selectors.day_off_at(d, now) is None]
    if not candidates:
        return None
    waiting = dict(
        Notification.objects.filter(
            recipient__in=candidates, urgent=True, acknowledged_at__isnull=True
        )
        .values_list("recipient")
        .annotate(n=Count("id"))
        .values_list("recipient", "n")
    )
    department = first_doctor.department_id if first_doctor else None
    colleagues = [d for d in candidates if department and d.department_id == department]
    pool = colleagues or candidates
    return min(pool, key=lambda d: (waiting.get(d.pk, 0), d.last_name, d.first_name, d.pk))


@transaction.atomic
def urgent_escalate(*, now: datetime | None = None) -> int:
    """Pass every urgent clinical alert (messaging.kinds.ESCALATING_KINDS) not acknowledged within
    HMS_URGENT_ESCALATION_MINUTES on to a second doctor and the admins, once per event; audited
    as `notification.escalate`. Run every minute by messaging.tasks; running it twice escalates
    nothing twice. Returns how many events were escalated.

    Raises no domain error.
    """
    now = now or timezone.now()
    due = now - timedelta(minutes=settings.HMS_URGENT_ESCALATION_MINUTES)
    overdue = list(
        locked(Notification.objects)
        .select_related("recipient")
        .filter(
            urgent=True,
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            is_escalation=False,
            kind__in=kinds.ESCALATING_KINDS,
            created_at__lte=due,
        )
        .exclude(event="")
        .order_by("created_at", "id")
    )
    by_event: dict[str, list[Notification]] = {}
    for row in overdue:
        by_event.setdefault(row.event, []).append(row)
    User = get_user_model()
    admins = list(User.objects.filter(role=rbac.ADMIN, is_active=True))
    for event, rows in by_event.items():
        first = rows[0]
        doctor = _second_doctor(rows, now)
        reached = {row.recipient_id for row in rows}
        to = [u for u in ([doctor] if doctor else []) + admins if u.pk not in reached]
        names = ", ".join(sorted({str(row.recipient) for row in rows}))
        minutes = settings.HMS_URGENT_ESCALATION_MINUTES
        text = f"Not acknowledged in {minutes} min by {names}: {first.text}"
        copies = _deliver(
            to,
            text,
            link=first.link,
            urgent=True,
            kind=first.kind,
            event=event,
            is_escalation=True,
        )
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(escalated_at=now)
        audit.record(
            actor=None,
            actor_username="system",
            action="notification.escalate",
            obj=first,
            after={
                "event": event,
                "kind": first.kind,
                "to": sorted(copy.recipient_id for copy in copies),
                "second_doctor": doctor.pk if doctor else None,
            },
        )
    return len(by_event)


# --- chat --------------------------------------------------------------------------------------

SEND_LIMIT = 20  # messages
SEND_WINDOW_SECONDS = 30
RECEIPT_BATCH = 100


class ChatError(Refusal):
    """A chat action the rules refuse, with the sentence a person reads."""


@transaction.atomic
def thread_start(*, initiator: User, others: list) -> Thread:
    """Open a conversation (or reopen the existing one between the same two people).

    Raises ChatError when no one is chosen or the messaging rules do not let the initiator write to
    that person.
    """
    others = list({other.pk: other for other in others if other.pk != initiator.pk}.values())
    if not others:
        raise ChatError("Choose at least one person to write to.")
    for other in others:
        if not rules.may_start(initiator, other):
            raise ChatError(rules.why_not(initiator, other))
    if len(others) == 1:
        shared = Thread.objects.filter(members__user=initiator).filter(members__user=others[0])
        existing = (
            Thread.objects.filter(pk__in=shared.values("pk"))
            .annotate(size=Count("members"))
            .filter(size=2)
            .order_by("id")
            .first()
        )
        if existing:
            return existing
    thread = Thread.objects.create(created_by=initiator)
    ThreadMember.objects.bulk_create(
        [ThreadMember(thread=thread, user=user) for user in [initiator, *others]]
    )
    return thread


def _rate_limited(user: User) -> bool:
    """A fixed window per user in the cache: a stuck key or a script cannot flood a ward."""
    key = f"chat.sent.{user.pk}.{int(time.time()) // SEND_WINDOW_SECONDS}"
    cache.add(key, 0, SEND_WINDOW_SECONDS * 2)
    try:
        # None: the cache is down (its errors are ignored); no limit is better than no chat.
        return (cache.incr(key) or 0) > SEND_LIMIT
    except ValueError:  # the key expired between add and incr
        return False


@transaction.atomic
def message_send(*, sender: User, thread: Thread, body: str) -> Message:
    """Store the message, then (on commit) show it in the open thread pages and tell the others.

    Raises ChatError when the message is empty or too long, the sender is not in the conversation,
    the messaging rules refuse a member, or the sender is sending too quickly.
    """
    body = body.strip()
    if not body:
        raise ChatError("Write a message first.")
    if len(body) > Message.BODY_LIMIT:
        raise ChatError(
            f"Messages are limited to {Message.BODY_LIMIT} characters; this one has {len(body)}."
        )
    members = list(locked(ThreadMember.objects).select_related("user").filter(thread=thread))
    me = next((m for m in members if m.user_id == sender.pk), None)
    if me is None:
        raise ChatError("You are not part of this conversation.")
    for member in members:
        if member.user_id != sender.pk and not rules.may_talk(sender, member.user):
            raise ChatError(rules.why_not(sender, member.user))
    if _rate_limited(sender):
        raise ChatError("You are sending messages too quickly. Wait a few seconds.")

    message = Message.objects.create(thread=thread, sender=sender, body=body)
    Thread.objects.filter(pk=thread.pk).update(last_message_at=message.created_at)
    ThreadMember.objects.filter(pk=me.pk).update(
        last_delivered_id=message.pk, last_read_id=message.pk
    )
    event = {
        "type": "chat.message",
        "thread_id": thread.pk,
        "message": message_event(message, sender),
    }
    transaction.on_commit(lambda: realtime.send_now(thread_group(thread.pk), event))
    others = [m.user for m in members if m.user_id != sender.pk]
    unread = unread_counts(others)
    toast = realtime.render_fragment(
        "messaging/chat_toast.html", {"message": message, "sender": sender}
    )
    for user in others:
        notice = {
            "type": "chat.notice",
            "thread_id": thread.pk,
            "message_id": message.pk,
            "badge": realtime.render_fragment(
                "messaging/chat_badge.html", {"chat_unread": unread.get(user.pk, 0), "oob": True}
            ),
            "toast": toast,
        }
        transaction.on_commit(
            lambda user=user, notice=notice: realtime.send_now(realtime.user_group(user.pk), notice)
        )
    return message


def _advance(*, user: User, thread_id: int, up_to_id: int, read: bool) -> list[int]:
    """Move a member's delivered (and read) pointer forward; returns the message ids that changed
    state, so their senders' receipts can be updated. Never moves a pointer back."""
    member = locked(ThreadMember.objects).filter(thread_id=thread_id, user=user).first()
    if member is None:
        raise ChatError("You are not part of this conversation.")
    last_id = (
        Message.objects.filter(thread_id=thread_id, id__lte=up_to_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    ) or 0
    old = member.last_read_id if read else member.last_delivered_id
    if last_id <= old:
        return []
    member.last_delivered_id = max(member.last_delivered_id, last_id)
    if read:
        member.last_read_id = last_id
    member.save(update_fields=["last_delivered_id", "last_read_id"])
    return list(
        Message.objects.filter(thread_id=thread_id, id__gt=old, id__lte=last_id)
        .exclude(sender=user)
        .order_by("-id")
        .values_list("id", flat=True)[:RECEIPT_BATCH]
    )


def _publish_receipts(thread_id: int, message_ids: list[int]) -> None:
    if not message_ids:
        return
    messages = list(
        Message.objects.filter(pk__in=message_ids).values_list("id", "sender_id").order_by("id")
    )
    statuses = receipt_statuses(thread_id, messages)
    by_sender: dict[str, list[dict]] = {}
    for message_id, sender_id in messages:
        by_sender.setdefault(str(sender_id), []).append(
            {"id": message_id, "status": statuses[message_id]}
        )
    event = {"type": "chat.receipt", "thread_id": thread_id, "by_sender": by_sender}
    transaction.on_commit(lambda: realtime.send_now(thread_group(thread_id), event))


@transaction.atomic
def thread_mark_delivered(*, user: User, thread_id: int, up_to_id: int) -> None:
    """Mark `user`'s messages in a thread delivered up to `up_to_id` and tell the senders.

    Raises ChatError when `user` is not part of the conversation.
    """
    _publish_receipts(
        thread_id, _advance(user=user, thread_id=thread_id, up_to_id=up_to_id, read=False)
    )


@transaction.atomic
def thread_mark_read(*, user: User, thread_id: int, up_to_id: int) -> None:
    """Mark `user`'s messages in a thread read up to `up_to_id` and tell the senders.

    Raises ChatError when `user` is not part of the conversation.
    """
    changed = _advance(user=user, thread_id=thread_id, up_to_id=up_to_id, read=True)
    _publish_receipts(thread_id, changed)
    if changed:
        unread = chat_unread_count(user)
        realtime.publish(
            realtime.user_group(user.pk),
            "messaging/chat_badge.html",
            {"chat_unread": unread, "oob": True},
            api_event={"type": "chat.unread", "count": unread},
        )
