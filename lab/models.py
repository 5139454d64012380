"""Lab and imaging tests: the catalogue (tests, their result fields and reference ranges), the
orders doctors place, the technician's steps, the results and their verification.

The steps of an order are one line (Pending -> Sample collected -> In progress -> Completed ->
Verified), each stamped with who and when; the timestamps are what turnaround is measured from.
Results are kept per version: a correction after verification adds a version and keeps the one
before it.
"""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

# Engineering owns the machine types; an imaging test names one of those a test is done on.
from engineering.models import IMAGING_MACHINE_TYPE_CHOICES


class Department(models.TextChoices):
    HAEMATOLOGY = "haematology", "Haematology"
    BIOCHEMISTRY = "biochemistry", "Biochemistry"
    MICROBIOLOGY = "microbiology", "Microbiology"
    PARASITOLOGY = "parasitology", "Parasitology"
    URINALYSIS = "urinalysis", "Urinalysis"
    RADIOLOGY = "radiology", "Radiology"
    CARDIOLOGY = "cardiology", "Cardiology"


class TestKind(models.TextChoices):
    LAB = "lab", "Lab test"
    IMAGING = "imaging", "Imaging / machine test"


class SampleType(models.TextChoices):
    BLOOD = "blood", "Blood"
    URINE = "urine", "Urine"
    STOOL = "stool", "Stool"
    SPUTUM = "sputum", "Sputum"
    SWAB = "swab", "Swab"
    NONE = "none", "No sample (patient attends)"


class LabTest(models.Model):
    """A test the hospital offers: what it needs, what it costs (its charge item), how fast it
    should be done, and for a lab test the values it reports."""

    __test__ = False  # not a pytest test class

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=TestKind.choices)
    department = models.CharField(max_length=16, choices=Department.choices)
    sample_type = models.CharField(max_length=8, choices=SampleType.choices)
    machine_type = models.CharField(
        max_length=12,
        choices=IMAGING_MACHINE_TYPE_CHOICES,
        blank=True,
        help_text="Imaging tests only.",
    )
    charge_item = models.ForeignKey(
        "billing.ChargeItem", on_delete=models.PROTECT, related_name="lab_tests"
    )
    turnaround_minutes = models.PositiveIntegerField(
        "turnaround target (minutes)",
        help_text="From order to verified result.",
        validators=[MinValueValidator(1, "A target of at least one minute.")],
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["department", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="lab", machine_type="")
                | models.Q(kind="imaging") & ~models.Q(machine_type=""),
                name="labtest_machine_type_for_imaging_only",
            ),
            models.CheckConstraint(
                condition=models.Q(turnaround_minutes__gt=0), name="labtest_turnaround_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_imaging(self) -> bool:
        return self.kind == TestKind.IMAGING


class ResultField(models.Model):
    """One value a lab test reports (haemoglobin in g/dL, ...). Numeric fields have reference
    ranges; text fields (a smear's finding) do not. A numeric field may hold the values a patient
    can have at all (`possible_low`–`possible_high`, either end open): a reading outside them is
    refused as a mistyping, never flagged (haemoglobin 0 is no "critically low")."""

    test = models.ForeignKey(LabTest, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(max_length=80)
    unit = models.CharField(max_length=20, blank=True)
    numeric = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    possible_low = models.DecimalField(
        "lowest possible value",
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="Empty: any value from 0. A value below is refused as a mistyping.",
    )
    possible_high = models.DecimalField(
        "highest possible value",
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="Empty: no upper limit. A value above is refused as a mistyping.",
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["test", "name"], name="resultfield_unique_name"),
            models.CheckConstraint(
                condition=models.Q(possible_low__isnull=True)
                | models.Q(possible_high__isnull=True)
                | models.Q(possible_low__lt=models.F("possible_high")),
                name="resultfield_possible_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name


# Reference-range ages are whole days, counted as clinical.ages.age_in_range_days counts them:
# 365 days to each completed year, so a bound of N years is N × 365 days and falls exactly on the
# Nth birthday; a month is 365/12 days rounded to the nearest day (1 month = 30, 2 = 61, 6 = 183).
DAYS_PER_YEAR = 365


def age_to_range_days(count: int, unit: str) -> int:
    """Days of a band bound entered as `count` days, months or years (see DAYS_PER_YEAR)."""
    if unit == "years":
        return count * DAYS_PER_YEAR
    if unit == "months":
        return (count * DAYS_PER_YEAR * 2 + 12) // 24  # 365/12 per month, halves rounded up
    return count


def range_days_as_age(days: int) -> tuple[int, str]:
    """A band bound in days written back the way a lab manager enters it: (count, unit)."""
    if days and days % DAYS_PER_YEAR == 0:
        return days // DAYS_PER_YEAR, "year"
    for months in range(1, 24):
        if age_to_range_days(months, "months") == days and days >= 30:
            return months, "month"
    return days, "day"


def _bound_text(days: int) -> str:
    count, unit = range_days_as_age(days)
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


class ReferenceRange(models.Model):
    """The normal range of a numeric field for a sex and an age band, with the critical limits
    beyond which the doctor is told at once.

    The band is [age_from_days, age_to_days) in days of age (DAYS_PER_YEAR explains how years are
    counted): a neonate band is 0 to 29 (0–28 days), an infant band 29 to 365 (29 days to under
    1 year), an adult band 18 × 365 with no end. No sex = either sex. A patient whose sex is
    other or unknown is compared against the sexes' ranges combined (lab.selectors)."""

    field = models.ForeignKey(ResultField, on_delete=models.CASCADE, related_name="ranges")
    sex = models.CharField(
        max_length=1, choices=[("", "Any"), ("F", "Female"), ("M", "Male")], blank=True
    )
    age_from_days = models.PositiveIntegerField("age from (days)", default=0)
    age_to_days = models.PositiveIntegerField(
        "age below (days)", null=True, blank=True, help_text="Empty: no upper age."
    )
    low = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    high = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    critical_low = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    critical_high = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)

    # Set on a range the selectors put together (not stored): why this range was chosen.
    note = ""

    class Meta:
        ordering = ["field", "sex", "age_from_days"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_to_days__isnull=True)
                | models.Q(age_to_days__gt=models.F("age_from_days")),
                name="range_age_band_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(low__isnull=True)
                | models.Q(high__isnull=True)
                | models.Q(low__lte=models.F("high")),
                name="range_low_not_above_high",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.low}–{self.high} ({self.age_band})"

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.low.normalize():f}–{self.high.normalize():f}"
        if self.low is not None:
            return f"≥ {self.low.normalize():f}"
        if self.high is not None:
            return f"≤ {self.high.normalize():f}"
        return ""

    def describe_with_note(self) -> str:
        """The range as printed beside a result, with why it was chosen when that is not plain
        ("12–17 (range for either sex)")."""
        text = self.describe()
        return f"{text} ({self.note})" if text and self.note else text

    @property
    def age_band(self) -> str:
        """The band as staff read it: "0–28 days", "29 days to under 1 year", "18 years and
        over"."""
        start, end = self.age_from_days, self.age_to_days
        if end is None:
            return "any age" if start == 0 else f"{_bound_text(start)} and over"
        if range_days_as_age(start)[1] == range_days_as_age(end)[1] == "day":
            return f"{start}–{end - 1} days"
        return f"{_bound_text(start)} to under {_bound_text(end)}"


class Priority(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"
    STAT = "stat", "STAT"


# Worklist order: STAT first, then urgent, then routine.
PRIORITY_RANK = {Priority.STAT: 0, Priority.URGENT: 1, Priority.ROUTINE: 2}


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COLLECTED = "collected", "Sample collected"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    VERIFIED = "verified", "Verified"
    CANCELLED = "cancelled", "Cancelled"


# The one line an order walks, a step at a time.
STEPS = [
    OrderStatus.PENDING,
    OrderStatus.COLLECTED,
    OrderStatus.IN_PROGRESS,
    OrderStatus.COMPLETED,
    OrderStatus.VERIFIED,
]
OPEN_STATUSES = [OrderStatus.PENDING, OrderStatus.COLLECTED, OrderStatus.IN_PROGRESS]


def report_path(instance, filename: str) -> str:
    # Never the uploader's file name: a random name under the order.
    return f"lab/{instance.pk}/{uuid.uuid4().hex}.pdf"


class TestOrder(models.Model):
    """One test ordered for one patient, from a consultation or an admission, and its way
    through the lab."""

    __test__ = False

    number = models.CharField(max_length=20, unique=True)
    patient = models.ForeignKey(
        "clinical.Patient", on_delete=models.PROTECT, related_name="test_orders"
    )
    test = models.ForeignKey(LabTest, on_delete=models.PROTECT, related_name="orders")
    encounter = models.ForeignKey(
        "clinical.Encounter",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="test_orders",
    )
    admission = models.ForeignKey(
        "wards.Admission",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="test_orders",
    )
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.ROUTINE)
    priority_rank = models.PositiveSmallIntegerField(default=2, editable=False)
    clinical_notes = models.CharField(max_length=500, blank=True)
    machine_type = models.CharField(max_length=12, choices=IMAGING_MACHINE_TYPE_CHOICES, blank=True)
    status = models.CharField(
        max_length=12, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    ordered_at = models.DateTimeField()
    # ordered_at + the test's turnaround target, fixed at ordering (the lab's "late" list).
    due_at = models.DateTimeField()
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lab_orders"
    )
    collected_at = models.DateTimeField(null=True, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.CharField(max_length=200, blank=True)
    # Still open when its inpatient went home: carried over to outpatient follow-up (the patient
    # comes back for it), decided and explained by a doctor at discharge (clinical.open_orders).
    carried_over_at = models.DateTimeField(null=True, blank=True)
    carried_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    carry_over_reason = models.CharField(max_length=200, blank=True)
    # Ordered while no machine of its type was Operational, "to be done when the machine is
    # back": why it was ordered anyway (set only then; the lab sees it on the worklist).
    machine_wait_reason = models.CharField(
        "why order it while the machine is down", max_length=200, blank=True
    )
    # Results: the version being worked on, and the last one a second person verified (what the
    # patient sees). 0 = none yet.
    result_version = models.PositiveSmallIntegerField(default=0)
    verified_version = models.PositiveSmallIntegerField(default=0)
    # Worst flag of the current version's values ("" normal, "abnormal", "critical").
    flag = models.CharField(max_length=10, blank=True)
    # The current version's report (imaging, or a lab's own printout): a PDF in private storage.
    # Each ResultVersion keeps its own; this is the one staff see.
    report = models.FileField(upload_to=report_path, blank=True, max_length=200)
    report_size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        indexes = [
            models.Index(
                fields=["status", "priority_rank", "ordered_at"], name="laborder_worklist_idx"
            ),
            models.Index(fields=["patient", "-ordered_at"], name="laborder_patient_idx"),
            models.Index(fields=["ordered_by", "-ordered_at"], name="laborder_doctor_idx"),
            models.Index(fields=["status", "due_at"], name="laborder_due_idx"),
            # The late list and its count: the open orders among years of verified ones, by
            # due time (tests/bench/pages.py --large: a 13 ms scan → an index scan).
            models.Index(
                fields=["due_at", "id"],
                name="laborder_open_due_idx",
                condition=~models.Q(status__in=["verified", "cancelled"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OrderStatus.values), name="laborder_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(verified_version__lte=models.F("result_version")),
                name="laborder_verified_version_exists",
            ),
            # A carry-over always says why.
            models.CheckConstraint(
                condition=models.Q(carried_over_at__isnull=True) | ~models.Q(carry_over_reason=""),
                name="laborder_carry_over_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.test.name}"

    def save(self, *args, **kwargs):
        self.priority_rank = PRIORITY_RANK[self.priority]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("lab_order", args=[self.pk])

    @property
    def target_minutes(self) -> int:
        """The turnaround target this order was given when it was ordered, in minutes (the
        test's target may have changed since)."""
        return int((self.due_at - self.ordered_at).total_seconds() // 60)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def carried_over(self) -> bool:
        return self.carried_over_at is not None

    @property
    def next_status(self) -> str | None:
        if self.status in (OrderStatus.CANCELLED, OrderStatus.VERIFIED):
            return None
        return STEPS[STEPS.index(self.status) + 1]

    @property
    def amended(self) -> bool:
        return self.result_version > 1


class Flag(models.TextChoices):
    NORMAL = "", "Normal"
    LOW = "L", "Low"
    HIGH = "H", "High"
    CRITICAL_LOW = "LL", "Critically low"
    CRITICAL_HIGH = "HH", "Critically high"


class ResultValue(models.Model):
    """One reported value of one version of an order's result, with the reference range and
    flag as they were when it was entered."""

    order = models.ForeignKey(TestOrder, on_delete=models.PROTECT, related_name="values")
    version = models.PositiveSmallIntegerField()
    field = models.ForeignKey(ResultField, null=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=80)
    unit = models.CharField(max_length=20, blank=True)
    value = models.CharField(max_length=200)
    numeric_value = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    reference = models.CharField(max_length=80, blank=True)
    flag = models.CharField(max_length=2, choices=Flag.choices, blank=True)

    class Meta:
        ordering = ["version", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "version", "name"], name="resultvalue_one_per_field_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.value} {self.unit}".strip()

    @property
    def is_critical(self) -> bool:
        return self.flag in (Flag.CRITICAL_LOW, Flag.CRITICAL_HIGH)


class ResultVersion(models.Model):
    """Who entered a version of the result, its findings (imaging), and for a correction why."""

    order = models.ForeignKey(TestOrder, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveSmallIntegerField()
    findings = models.TextField(blank=True)
    entered_at = models.DateTimeField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    amendment_reason = models.CharField(max_length=200, blank=True)
    # The report PDF of this version (an amendment starts with the one before and may replace
    # it): the patient is served the verified version's, never a correction still unverified.
    report = models.FileField(upload_to="lab/versions/", blank=True, max_length=200)
    report_size = models.PositiveIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["version"]
        constraints = [
            models.UniqueConstraint(fields=["order", "version"], name="resultversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} v{self.version}"


def admission_model() -> type[models.Model]:
    """The stay model, reached through the label the order's foreign key names
    ("wards.Admission"): lab builds on clinical and never imports wards (DESIGN.md)."""
    return TestOrder._meta.get_field("admission").related_model


class CriticalCall(models.Model):
    """The lab's telephone call about a critical value (docs/DECISIONS.md, "Critical results
    cannot be missed"): who was called, when, and whether they read the values back."""

    order = models.ForeignKey(TestOrder, on_delete=models.PROTECT, related_name="critical_calls")
    result_version = models.PositiveSmallIntegerField()
    called_person = models.CharField(max_length=120)
    called_at = models.DateTimeField()
    read_back = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["called_at", "id"]

    def __str__(self) -> str:
        return f"Call about {self.order_id} to {self.called_person}"
