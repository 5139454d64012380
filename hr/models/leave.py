"""Leave: types and entitlements, the hospital's closure days, requests and their decisions."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from hms import rbac

__all__ = [
    "HOLDING",
    "ClosureDay",
    "LeaveCharge",
    "LeaveEntitlement",
    "LeaveRequest",
    "LeaveStatus",
    "LeaveType",
]


class LeaveType(models.Model):
    """A kind of leave (annual, sick, maternity...) and its rules; the yearly days per role are
    its LeaveEntitlement rows. Defaults from Kenya's Employment Act 2007 s.28-30 (migration
    0003), each editable by the administrator."""

    class Counts(models.TextChoices):
        WORKING = "working", "Working days"
        CALENDAR = "calendar", "Calendar days"

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=60, unique=True)
    counts = models.CharField(max_length=10, choices=Counts.choices, default=Counts.WORKING)
    carry_over_limit = models.DecimalField(
        "days that may be carried to next year", max_digits=5, decimal_places=1, default=0
    )
    document_after_days = models.DecimalField(
        "document required beyond (days)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="A request costing more days than this needs a document (e.g. a sick note "
        "after 2 days). Empty: never.",
    )
    full_pay_days = models.DecimalField(
        "days on full pay",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Days beyond this in a year are on half pay (sick leave: 7). Empty: all.",
    )
    unpaid = models.BooleanField(
        default=False, help_text="Unpaid leave: no balance, never refused for lack of days."
    )
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(carry_over_limit__gte=0), name="leave_type_carry_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LeaveEntitlement(models.Model):
    """Days of one leave type a person of one role earns each year."""

    leave_type = models.ForeignKey(LeaveType, on_delete=models.CASCADE, related_name="entitlements")
    role = models.CharField(max_length=32, choices=rbac.ROLE_CHOICES)
    days = models.DecimalField(max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["leave_type", "role"]
        constraints = [
            models.UniqueConstraint(fields=["leave_type", "role"], name="entitlement_once"),
            models.CheckConstraint(
                condition=models.Q(days__gte=0), name="entitlement_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leave_type}: {self.days} days for {self.get_role_display()}"


class ClosureDay(models.Model):
    """A day the hospital's offices are closed beyond the public holidays (not a working day
    for leave counted in working days)."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=80)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%d %b %Y})"


class LeaveStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Not approved"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CANCELLED = "cancelled", "Cancelled"


# Pending and approved requests hold their days: they count against the balance and overlap.
HOLDING = [LeaveStatus.PENDING, LeaveStatus.APPROVED]


def attachment_path(instance, filename: str) -> str:
    # Never the uploader's file name: a random one under the person.
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
    return (
        f"leave/{instance.user_id}/{uuid.uuid4().hex}{extension.get(instance.attachment_type, '')}"
    )


class LeaveRequest(models.Model):
    """One person's request for leave from `start_date` to `end_date` inclusive (a start in the
    afternoon, an end at midday: half days), and what became of it. `days` is what it costs in
    all; LeaveCharge splits it by year."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leave_requests"
    )
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="requests")
    start_date = models.DateField()
    end_date = models.DateField()
    starts_afternoon = models.BooleanField(default=False)
    ends_morning = models.BooleanField(default=False)
    reason = models.CharField(max_length=300, blank=True)
    attachment = models.FileField(upload_to=attachment_path, max_length=200, blank=True)
    attachment_type = models.CharField(max_length=40, blank=True)
    days = models.DecimalField(max_digits=5, decimal_places=1)
    status = models.CharField(
        max_length=10, choices=LeaveStatus.choices, default=LeaveStatus.PENDING, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.CharField(max_length=300, blank=True)
    # An approved leave cancelled once begun keeps its days taken; the rest come back.
    cut_short_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "-pk"]
        indexes = [models.Index(fields=["user", "status", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="leave_ends_after_start",
            ),
            models.CheckConstraint(condition=models.Q(days__gte=0), name="leave_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.leave_type} of {self.user}, {self.start_date:%d %b}–{self.end_date:%d %b %Y}"

    @property
    def withdrawable(self) -> bool:
        return self.status == LeaveStatus.PENDING

    @property
    def cancellable(self) -> bool:
        """Approved and not over: the days not yet taken can still come back."""
        return self.status == LeaveStatus.APPROVED and self.end_date >= timezone.localdate()

    @property
    def closes_clinic_hours(self) -> bool:
        """A doctor's leave closes their clinic hours: only the administrator reopens them."""
        return self.user.role == rbac.DOCTOR

    @property
    def span(self) -> str:
        """ "1–5 Dec 2026", "Wed 3 Dec 2026 (morning)": the dates as people say them."""
        if self.start_date == self.end_date:
            part = (
                " (afternoon)"
                if self.starts_afternoon
                else " (morning)"
                if self.ends_morning
                else ""
            )
            return f"{self.start_date:%a %-d %b %Y}{part}"
        start = f"{self.start_date:%a %-d %b}" + (" afternoon" if self.starts_afternoon else "")
        end = f"{self.end_date:%a %-d %b %Y}" + (" morning" if self.ends_morning else "")
        return f"{start} – {end}"


class LeaveCharge(models.Model):
    """The days one request costs one year's balance (a request across 31 December has two)."""

    request = models.ForeignKey(LeaveRequest, on_delete=models.CASCADE, related_name="charges")
    year = models.PositiveSmallIntegerField()
    days = models.DecimalField(max_digits=5, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "year"], name="leave_charge_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.days} days of {self.year} for {self.request_id}"
