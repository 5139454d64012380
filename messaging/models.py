"""Notifications (and, with the chat, threads and messages)."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    # Urgent (a critical lab value): shown in red, and its toast stays until closed.
    urgent = models.BooleanField(default=False)
    # What the notification is about, for grouping and muting (e.g. "critical_result", "news2",
    # "appointment"); blank for the older ones.
    kind = models.CharField(max_length=40, blank=True, default="")
    # The event it tells of: every notification sent about one event (each recipient of one
    # notify(), and the escalation copies) shares it, so one acknowledgement settles them all.
    event = models.CharField(max_length=80, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # An urgent notification stays pinned until acknowledged, with a note of what was done
    # (docs/DECISIONS.md, "Critical results cannot be missed").
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledgement_note = models.CharField(max_length=500, blank=True)
    # When it was passed on to a second doctor and the admin (escalated: this row is that copy).
    escalated_at = models.DateTimeField(null=True, blank=True)
    is_escalation = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_pinned_idx",
                condition=models.Q(urgent=True, acknowledged_at__isnull=True),
            ),
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"To {self.recipient_id}: {self.text[:40]}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_pinned(self) -> bool:
        """Urgent and not yet acknowledged: shown above everything else."""
        return self.urgent and self.acknowledged_at is None


class NotificationMute(models.Model):
    """A routine kind of notification a person chose not to be interrupted by: it is still kept
    in their list, but arrives read and without a pop-up. Urgent kinds cannot be muted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_mutes"
    )
    kind = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_mute_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.kind}"


class Thread(models.Model):
    """A conversation between two or more people. Who may be in one: messaging.rules."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]

    def __str__(self) -> str:
        return f"Thread {self.pk}"


class ThreadMember(models.Model):
    """One person in a thread, with pointers that make receipts and unread counts cheap:
    every message up to `last_delivered_id` reached one of their screens, up to `last_read_id`
    they have seen."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chat_memberships"
    )
    last_delivered_id = models.BigIntegerField(default=0)
    last_read_id = models.BigIntegerField(default=0)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="thread_member_once"),
            models.CheckConstraint(
                condition=models.Q(last_read_id__lte=models.F("last_delivered_id")),
                name="thread_member_read_implies_delivered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in thread {self.thread_id}"


class Message(models.Model):
    BODY_LIMIT = 2000

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["thread", "-id"], name="message_thread_recent_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(body=""), name="message_body_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} in thread {self.thread_id}"
