"""Notifications: every app tells people things through `notify`, which saves and publishes."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from hms import realtime
from messaging.models import Notification

TEXT_LIMIT = Notification._meta.get_field("text").max_length


def _recipients(to) -> list:
    """A user, several users, or a role name (every active user of that role)."""
    User = get_user_model()
    if isinstance(to, str):
        return list(User.objects.filter(role=to, is_active=True))
    if isinstance(to, User):
        return [to]
    return list(to)


@transaction.atomic
def notify(to, text: str, *, link: str = "") -> list[Notification]:
    """Save a notification for each recipient, then (on commit) update their bell and show a toast
    on every page they have open."""
    recipients = _recipients(to)
    if not recipients:
        return []
    text = text.strip()[:TEXT_LIMIT]
    notifications = Notification.objects.bulk_create(
        [Notification(recipient=user, text=text, link=link) for user in recipients]
    )
    unread = dict(
        Notification.objects.filter(recipient__in=recipients, read_at__isnull=True)
        .values_list("recipient")
        .annotate(n=Count("id"))
        .values_list("recipient", "n")
    )
    for notification in notifications:
        user_id = notification.recipient_id
        realtime.publish(
            realtime.user_group(user_id),
            "messaging/live_notification.html",
            {"notification": notification, "unread_count": unread.get(user_id, 0)},
        )
    return notifications


def _publish_bell(user) -> None:
    realtime.publish(
        realtime.user_group(user.pk),
        "messaging/bell.html",
        {"unread_count": unread_count(user), "oob": True},
    )


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@transaction.atomic
def notification_mark_read(*, user, notification_id: int) -> Notification:
    notification = Notification.objects.select_for_update().get(pk=notification_id, recipient=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        _publish_bell(user)
    return notification


@transaction.atomic
def notification_mark_all_read(*, user) -> int:
    changed = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if changed:
        _publish_bell(user)
    return changed
