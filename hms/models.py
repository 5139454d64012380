"""Core models shared by every app: the append-only, hash-chained audit log."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit entries are append-only: they cannot be updated.")

    def delete(self):
        raise PermissionError("Audit entries are append-only: they cannot be deleted.")


class AuditEntry(models.Model):
    """One audited event. Written only by hms.audit.record, never changed afterwards.

    `entry_hash` is SHA-256 over the previous entry's hash and this entry's canonical JSON, so an
    edited or deleted row breaks the chain at the next row (`manage.py verify_audit`).
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    # Patients live in clinical; the core keeps their id as text so it imports no app.
    patient_id = models.CharField(max_length=64, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} by {self.actor_username or 'system'} at {timezone.localtime(self.at):%d %b %Y %H:%M:%S}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise PermissionError("Audit entries are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries are append-only: they cannot be deleted.")


class NumberSeries(models.Model):
    """Gapless human numbers (MRN, invoice numbers): the last number handed out per series.

    `hms.numbering.next_number` locks the row, so two clerks saving at once get consecutive
    numbers and a rolled-back save gives its number back.
    """

    name = models.CharField(max_length=50, unique=True)
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last}"


class SubmissionReceipt(models.Model):
    """One row per form submission that changed something (hms.submissions).

    The form carries a one-time token; the service that acts inserts the token here in its own
    transaction, so a second arrival of the same token (a double click, a resent form, a retry
    after a dropped connection) finds the first one and shows its result instead of acting again.
    """

    token = models.UUIDField(primary_key=True)
    action = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(db_index=True)
    # The page the first submission's answer sent the person to (its redirect's path on this
    # site), so a repeat lands there too: a leave request lands on "My leave" showing it, not on
    # an empty form. Blank when the answer was a page of its own (DuplicateSubmissionMiddleware).
    result_path = models.CharField(max_length=2000, blank=True)

    def __str__(self) -> str:
        return f"{self.action} {self.token} -> {self.object_type} {self.object_id}".strip()
