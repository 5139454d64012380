"""The charge master and the charges posted to patients' accounts (a ledger other modules post
into: it refers to patients and admissions by model label and imports neither app)."""

from django.conf import settings
from django.db import models


class ChargeCategory(models.TextChoices):
    WARD = "ward", "Ward"
    LAB = "lab", "Lab"
    MACHINE = "machine", "Machine"
    CONSULTATION = "consultation", "Consultation"
    NURSING = "nursing", "Nursing"
    EMERGENCY = "emergency", "Emergency"
    MISCELLANEOUS = "misc", "Miscellaneous"


class ChargeType(models.TextChoices):
    PER_DAY = "per_day", "Per day"
    PER_HOUR = "per_hour", "Per hour"
    FIXED = "fixed", "Fixed"
    PER_TEST = "per_test", "Per test"


class ChargeItem(models.Model):
    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=12, choices=ChargeCategory.choices)
    charge_type = models.CharField(max_length=10, choices=ChargeType.choices)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField("tax rate (%)", max_digits=5, decimal_places=2, default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="charge_item_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(tax_rate__gte=0, tax_rate__lte=100),
                name="charge_item_tax_rate_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PriceChange(models.Model):
    """The history of an item's price and tax: who changed what, when (charges already posted
    keep the price they were posted at)."""

    item = models.ForeignKey(ChargeItem, on_delete=models.PROTECT, related_name="price_changes")
    old_price = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    new_price = models.DecimalField(max_digits=12, decimal_places=2)
    old_tax_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    new_tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.old_price} → {self.new_price}"


class Charge(models.Model):
    """One line on a patient's account. Its price and tax rate are snapshots taken when posted;
    a correction is a reversal line (negative), never an edit."""

    patient = models.ForeignKey(
        "clinical.Patient", on_delete=models.PROTECT, related_name="charges"
    )
    admission = models.ForeignKey(
        "wards.Admission", null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    item = models.ForeignKey(ChargeItem, on_delete=models.PROTECT, related_name="charges")
    category = models.CharField(max_length=12, choices=ChargeCategory.choices)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2, help_text="quantity × unit price")
    tax_amount = models.DecimalField(max_digits=14, decimal_places=2)
    service_from = models.DateTimeField(null=True, blank=True)
    service_to = models.DateTimeField(null=True, blank=True)
    # What caused it ("clinical.Appointment:12"), so a cancelled order can find and reverse it.
    source = models.CharField(max_length=80, blank=True, db_index=True)
    # Accrued ward charges: one per admission and service day (or stay and hour), whatever runs.
    accrual_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    reversal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    posted_at = models.DateTimeField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["posted_at", "id"]
        indexes = [models.Index(fields=["patient", "posted_at"], name="charge_patient_idx")]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"

    @property
    def total(self):
        return self.amount + self.tax_amount
