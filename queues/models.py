"""The outpatient queue: service points (triage, a doctor's room, the lab, the pharmacy, the
cashier), the tickets patients hold while they wait at them, and the waiting-area displays."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class PointKind(models.TextChoices):
    TRIAGE = "triage", "Triage"
    CONSULTATION = "consultation", "Consultation"
    LAB = "lab", "Laboratory"
    PHARMACY = "pharmacy", "Pharmacy"
    BILLING = "billing", "Cashier"


class ServicePoint(models.Model):
    """A place patients queue for: "Triage" (T), "Consultation" (D, every doctor's patients),
    "Dr Otieno's room" (a doctor's own queue), "Laboratory" (L), "Pharmacy" (P), "Cashier" (B)."""

    name = models.CharField(max_length=60, unique=True)
    kind = models.CharField(max_length=12, choices=PointKind.choices)
    # Tickets read "<prefix>-<number>": "T-012". Letters and digits, unique among points.
    prefix = models.CharField(max_length=3, unique=True)
    # A doctor's own room; empty for a general queue of its kind.
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_points",
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(doctor__isnull=True) | models.Q(kind="consultation"),
                name="service_point_doctor_only_for_consultation",
            ),
            models.UniqueConstraint(
                fields=["doctor"],
                condition=models.Q(doctor__isnull=False),
                name="one_room_per_doctor",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TicketStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    CALLED = "called", "Called"
    SERVING = "serving", "Being seen"
    DONE = "done", "Done"
    NO_SHOW = "no_show", "Did not answer"
    TRANSFERRED = "transferred", "Sent on"


OPEN_STATUSES = [TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING]


class QueueTicket(models.Model):
    """One patient's place at one service point on one day. Sending the patient on to the next
    point (triage -> doctor -> lab -> pharmacy -> cashier) closes this ticket and issues the
    next, which `follows` it: the visit is the chain, each step with its own waiting time."""

    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.PROTECT, related_name="tickets"
    )
    day = models.DateField()  # the hospital's day the number belongs to
    number = models.PositiveIntegerField()
    patient = models.ForeignKey(
        "clinical.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="queue_tickets",
    )
    appointment = models.ForeignKey(
        "clinical.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="queue_tickets",
    )
    follows = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_ticket"
    )
    priority = models.BooleanField(
        default=False, help_text="Emergency, elderly, pregnant or a child: called before others."
    )
    status = models.CharField(
        max_length=12, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    called_at = models.DateTimeField(null=True, blank=True)  # the first call
    last_called_at = models.DateTimeField(null=True, blank=True)  # the latest (a recall)
    calls = models.PositiveSmallIntegerField(default=0)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    serving_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "issued_at", "pk"]
        constraints = [
            # Two desks checking in at once: one number each, never the same (the series row is
            # locked; this index is the last word).
            models.UniqueConstraint(
                fields=["service_point", "day", "number"], name="one_ticket_number_per_point_day"
            ),
            # A patient is in one place at a time: one open ticket each.
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(
                    patient__isnull=False, status__in=["waiting", "called", "serving"]
                ),
                name="one_open_ticket_per_patient",
            ),
        ]
        indexes = [
            # The waiting line of a point: its open tickets, priority then oldest first.
            models.Index(
                fields=["service_point", "status", "-priority", "issued_at"],
                name="queue_ticket_line",
            ),
            models.Index(fields=["day", "service_point"], name="queue_ticket_day"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return ticket_label(self.service_point.prefix, self.number)

    @property
    def waited(self):
        """From issue to first call (or until now while still waiting)."""
        return (self.called_at or timezone.now()) - self.issued_at

    @property
    def served_for(self):
        if self.serving_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.serving_at


def ticket_label(prefix: str, number: int) -> str:
    return f"{prefix}-{number:03d}"


def _display_token() -> str:
    return secrets.token_urlsafe(24)


class DisplayScreen(models.Model):
    """A TV in a waiting area: it opens /queue/display/<token>/ with no sign-in. The token is
    its only key; it shows ticket numbers only, never a name. Revoked by switching it off."""

    name = models.CharField(max_length=60)
    token = models.CharField(max_length=64, unique=True, default=_display_token, editable=False)
    # The points it shows; none chosen: every active point.
    service_points = models.ManyToManyField(ServicePoint, blank=True, related_name="displays")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name
