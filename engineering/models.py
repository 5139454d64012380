"""Models of engineering: the machine types the hospital knows (lab's imaging tests name the same
ones, so orders and machines meet), the asset register and each machine's status history.

A machine's status is never edited in place: every change is a MachineStatusChange row (from, to,
when it took effect, who, why), and Machine.status / status_since are the last entry of that
timeline, kept beside the machine so lists need no history query.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from hms.money import money


class MachineType(models.TextChoices):
    XRAY = "xray", "X-ray"
    ULTRASOUND = "ultrasound", "Ultrasound"
    CT = "ct", "CT scanner"
    MRI = "mri", "MRI scanner"
    ECG = "ecg", "ECG machine"
    VENTILATOR = "ventilator", "Ventilator"
    MONITOR = "monitor", "Patient monitor"
    INFUSION_PUMP = "infusion_pump", "Infusion pump"
    DEFIBRILLATOR = "defibrillator", "Defibrillator"
    AUTOCLAVE = "autoclave", "Autoclave"
    OTHER = "other", "Other equipment"


# The machine types an imaging (machine) test is done on: what lab's catalogue may name.
IMAGING_MACHINE_TYPES = [
    MachineType.XRAY,
    MachineType.ULTRASOUND,
    MachineType.CT,
    MachineType.MRI,
    MachineType.ECG,
]
IMAGING_MACHINE_TYPE_CHOICES = [
    (value, label) for value, label in MachineType.choices if value in IMAGING_MACHINE_TYPES
]


class Criticality(models.TextChoices):
    LIFE_SUPPORT = "life_support", "Life support"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class MachineStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    UNDER_MAINTENANCE = "maintenance", "Under maintenance"
    OUT_OF_ORDER = "out_of_order", "Out of order"


# What the QR label carries and the URL takes: letters, digits, dots, dashes, underscores.
ASSET_TAG = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    "Use letters, digits, dots, dashes and underscores only, e.g. ENG-0042.",
)


class Machine(models.Model):
    """One machine of the asset register, known by its asset tag (printed as a QR label)."""

    name = models.CharField(max_length=120)
    asset_tag = models.CharField(max_length=30, unique=True, validators=[ASSET_TAG])
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="machines",
    )
    machine_type = models.CharField(max_length=20, choices=MachineType.choices)
    manufacturer = models.CharField(max_length=100, blank=True)
    model_name = models.CharField("model", max_length=100, blank=True)
    serial_number = models.CharField(max_length=100, blank=True)
    installed_date = models.DateField(null=True, blank=True)
    warranty_end_date = models.DateField("warranty ends", null=True, blank=True)
    service_vendor = models.CharField(max_length=120, blank=True)
    vendor_contact = models.CharField(
        "vendor contact", max_length=200, blank=True, help_text="Name, phone or email."
    )
    criticality = models.CharField(
        max_length=12, choices=Criticality.choices, default=Criticality.MEDIUM
    )
    status = models.CharField(
        max_length=12,
        choices=MachineStatus.choices,
        default=MachineStatus.OPERATIONAL,
        editable=False,
    )
    # When the current status began (the first entry of the history's last run of it).
    status_since = models.DateTimeField(editable=False)
    last_serviced_date = models.DateField("last serviced", null=True, blank=True)
    pm_interval_days = models.PositiveIntegerField(
        "preventive maintenance every (days)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1, "At least every day, or leave it empty for none.")],
    )
    registered_at = models.DateTimeField(editable=False)
    # Counts every change to what the machine's downtime figures are read from (its row, its
    # status history, its requests and work orders): engineering.figures_cache keys on it.
    events_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name", "asset_tag"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=MachineStatus.values), name="machine_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(criticality__in=Criticality.values),
                name="machine_criticality_known",
            ),
            models.CheckConstraint(
                condition=models.Q(pm_interval_days__isnull=True)
                | models.Q(pm_interval_days__gt=0),
                name="machine_pm_interval_positive",
            ),
        ]
        indexes = [models.Index(fields=["status", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.asset_tag})"

    def save(self, *args, **kwargs) -> None:
        # events_version is written only by engineering.figures_cache.bump: a save of a copy
        # loaded before a bump must not put the old number back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "events_version"
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("machine_detail", args=[self.pk])

    @property
    def is_down(self) -> bool:
        return self.status != MachineStatus.OPERATIONAL

    @property
    def pm_next_due_date(self) -> date | None:
        """When the next preventive maintenance falls due: `pm_interval_days` after the machine
        was last serviced (never serviced: after it was installed, or entered the register);
        None without a plan."""
        if not self.pm_interval_days:
            return None
        base = (
            self.last_serviced_date or self.installed_date or timezone.localdate(self.registered_at)
        )
        return base + timedelta(days=self.pm_interval_days)


class MachineStatusChange(models.Model):
    """One entry of a machine's status history; never changed or removed once written.

    `effective_at` is when the status really changed, `recorded_at` when it was written down: the
    same moment for a change made as it happens, earlier for a back-dated correction (its own
    entry, `correction` set). The status at any moment is the `to_status` of the latest entry
    effective at or before it (ties: the later entry).
    """

    machine = models.ForeignKey(Machine, on_delete=models.PROTECT, related_name="status_changes")
    # Empty for the first entry (the machine entering the register).
    from_status = models.CharField(max_length=12, choices=MachineStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=MachineStatus.choices)
    effective_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(max_length=500)
    correction = models.BooleanField(default=False)

    class Meta:
        ordering = ["-effective_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_status__in=MachineStatus.values),
                name="machine_status_change_to_known",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_at__lte=models.F("recorded_at")),
                name="machine_status_change_not_in_future",
            ),
        ]
        indexes = [models.Index(fields=["machine", "effective_at"])]

    def __str__(self) -> str:
        return f"{self.machine}: {self.from_status or 'registered'} -> {self.to_status}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("A status history entry is never changed: add a correction.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("A status history entry is never removed: add a correction.")


# --- fault requests and work orders ----------------------------------------------------------


class Priority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


# The queue's order: the most pressing first.
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class FaultRequest(models.Model):
    """What a member of staff reports about a machine: what is wrong, whether the machine can be
    used at all, how pressing it is. Open until an engineer takes it (its work order)."""

    number = models.CharField(max_length=20, unique=True)
    machine = models.ForeignKey(Machine, on_delete=models.PROTECT, related_name="fault_requests")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="fault_requests"
    )
    raised_at = models.DateTimeField()
    description = models.CharField("what is wrong", max_length=1000)
    unusable = models.BooleanField("machine unusable", default=False)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    priority_rank = models.PositiveSmallIntegerField(default=2, editable=False)

    class Meta:
        ordering = ["priority_rank", "raised_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__in=Priority.values), name="fault_priority_known"
            ),
        ]
        indexes = [models.Index(fields=["priority_rank", "raised_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.machine.asset_tag}"


class WorkOrderStatus(models.TextChoices):
    # A preventive-maintenance work order made by the periodic task, no engineer on it yet.
    DUE = "due", "Due"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_VENDOR = "waiting_vendor", "Waiting for the vendor"
    RESOLVED = "resolved", "Resolved"


OPEN_WORK = [WorkOrderStatus.DUE, WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.WAITING_VENDOR]


class WorkKind(models.TextChoices):
    CORRECTIVE = "corrective", "Fault repair"
    PREVENTIVE = "preventive", "Preventive maintenance"


class WorkOrder(models.Model):
    """An engineer's job on a machine: made when an engineer takes a fault request (one work
    order per request, the database's unique key settles two engineers taking it at once), or
    by the periodic task when a machine's preventive maintenance falls due (one per machine and
    due date, and one open at a time per machine: both unique keys)."""

    number = models.CharField(max_length=20, unique=True)
    machine = models.ForeignKey(Machine, on_delete=models.PROTECT, related_name="work_orders")
    fault_request = models.OneToOneField(
        FaultRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_order",
    )
    kind = models.CharField(max_length=12, choices=WorkKind.choices, default=WorkKind.CORRECTIVE)
    # The day a preventive maintenance fell due (empty for a fault repair).
    pm_due_date = models.DateField("due", null=True, blank=True)
    # Empty only for a preventive maintenance nobody has started yet.
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    opened_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=WorkOrderStatus.choices, default=WorkOrderStatus.IN_PROGRESS
    )
    vendor_reference = models.CharField(max_length=100, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=WorkOrderStatus.values),
                name="work_order_status_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="resolved") | models.Q(resolved_at__isnull=False),
                name="work_order_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="waiting_vendor") | ~models.Q(vendor_reference=""),
                name="work_order_vendor_has_reference",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=WorkKind.values), name="work_order_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="preventive", pm_due_date__isnull=False)
                | models.Q(kind="corrective", pm_due_date__isnull=True),
                name="work_order_pm_has_due_date",
            ),
            # The periodic task may run twice, or catch up after the server was off: one work
            # order per machine and due date, and never two open preventive ones on a machine.
            models.UniqueConstraint(
                fields=["machine", "pm_due_date"],
                condition=models.Q(pm_due_date__isnull=False),
                name="work_order_one_pm_per_due_date",
            ),
            models.UniqueConstraint(
                fields=["machine"],
                condition=models.Q(kind="preventive", status__in=OPEN_WORK),
                name="work_order_one_open_pm_per_machine",
            ),
        ]
        indexes = [
            models.Index(fields=["engineer", "status"]),
            models.Index(fields=["kind", "status", "pm_due_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.machine.asset_tag}"

    def get_absolute_url(self) -> str:
        return reverse("work_order_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_WORK

    @property
    def is_preventive(self) -> bool:
        return self.kind == WorkKind.PREVENTIVE


class WorkLogEntry(models.Model):
    """One stretch of work on a work order: what was done, from when to when, the labour."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="log")
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    work_done = models.CharField("what was done", max_length=1000)
    labour_minutes = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    logged_at = models.DateTimeField()

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__gte=models.F("started_at")),
                name="work_log_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order.number}: {self.labour_minutes} min"


class PartUsed(models.Model):
    """A part used in a stretch of work: how many, at what cost each (money, 2 places)."""

    entry = models.ForeignKey(WorkLogEntry, on_delete=models.PROTECT, related_name="parts")
    name = models.CharField(max_length=120)
    quantity = models.PositiveIntegerField()
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="part_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_cost__gte=0), name="part_unit_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"

    @property
    def cost(self) -> Decimal:
        return money(self.quantity * self.unit_cost)


# --- preventive maintenance ------------------------------------------------------------------


class PmStep(models.Model):
    """One step of a machine's preventive-maintenance checklist (its plan: the machine's
    `pm_interval_days` and these steps, in order). A work order copies the steps when it is made,
    so editing the plan changes the next maintenance, never one already due or done."""

    machine = models.ForeignKey(Machine, on_delete=models.CASCADE, related_name="pm_steps")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["machine", "position"]
        constraints = [
            models.UniqueConstraint(fields=["machine", "position"], name="pm_step_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.machine.asset_tag} step {self.position}: {self.text}"


class PmCheck(models.Model):
    """A checklist step of one preventive-maintenance work order and its outcome: pass or fail
    (empty until the work order is completed) and the engineer's note."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="checks")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=200)
    passed = models.BooleanField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # The fault request a failed step opened, if any.
    fault_request = models.OneToOneField(
        FaultRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="pm_check"
    )

    class Meta:
        ordering = ["work_order", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "position"], name="pm_check_position_once"
            ),
        ]

    def __str__(self) -> str:
        outcome = {True: "pass", False: "fail", None: "not done"}[self.passed]
        return f"{self.work_order.number} step {self.position}: {outcome}"
