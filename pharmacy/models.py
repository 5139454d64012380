"""Pharmacy and stores: the formulary, stores, suppliers and purchase receipts, batches, the
append-only stock ledger with its per-store balance, transfers, dispenses and returns,
over-the-counter sales and stock takes.

Quantities are whole dispensing units (a tablet, a bottle, a vial, a pair of gloves): stock is
counted in the unit it leaves the shelf in. The quantity on hand of a batch in a store is the
StockBalance row, changed only by pharmacy.ledger.move in the same transaction as the
StockMovement row that explains it; a check constraint makes a negative balance impossible.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clinical.models import Route


class ItemForm(models.TextChoices):
    TABLET = "tablet", "Tablet"
    CAPSULE = "capsule", "Capsule"
    SYRUP = "syrup", "Syrup"
    SUSPENSION = "suspension", "Suspension"
    INJECTION = "injection", "Injection"
    INFUSION = "infusion", "Infusion"
    CREAM = "cream", "Cream"
    OINTMENT = "ointment", "Ointment"
    DROPS = "drops", "Drops"
    INHALER = "inhaler", "Inhaler"
    SACHET = "sachet", "Sachet"
    PESSARY = "pessary", "Pessary"
    SUPPOSITORY = "suppository", "Suppository"
    SUPPLY = "supply", "Medical supply"
    OTHER = "other", "Other"


class ItemCategory(models.TextChoices):
    DRUG = "drug", "Drug"
    SUPPLY = "supply", "Medical supply"


# What get_form_display() and get_category_display() show, read from a dict: Django's own builds
# a hashable copy of every choice on each call, and a list of 50 items calls them per row.
FORM_LABELS = dict(ItemForm.choices)
CATEGORY_LABELS = dict(ItemCategory.choices)


class FormularyItem(models.Model):
    """A drug or medical supply the hospital stocks. Its selling price per dispensing unit, and its
    tax rate, are those of its charge item in billing's charge master (category Pharmacy)."""

    generic_name = models.CharField(max_length=120)
    brand = models.CharField(max_length=120, blank=True)
    form = models.CharField(max_length=12, choices=ItemForm.choices)
    strength = models.CharField(max_length=40, blank=True, help_text="e.g. 500 mg, 250 mg/5 ml")
    dispensing_unit = models.CharField(
        max_length=40, help_text="What one unit on the shelf is: tablet, bottle of 100 ml, vial"
    )
    pack_size = models.PositiveIntegerField(
        default=1,
        validators=[MinValueValidator(1, "A pack holds at least one unit.")],
        help_text="Dispensing units in one pack as bought",
    )
    category = models.CharField(max_length=8, choices=ItemCategory.choices)
    reorder_level = models.PositiveIntegerField(
        default=0, help_text="Order more when the whole hospital holds fewer units than this"
    )
    charge_item = models.OneToOneField(
        "billing.ChargeItem", on_delete=models.PROTECT, related_name="formulary_item"
    )
    # The allergen classes of the drug (clinical.models.AllergenClass values, e.g.
    # ["penicillins"]): prescribing it to a patient allergic to one is stopped.
    allergen_classes = models.JSONField(default=list, blank=True)
    # The most a patient takes in a day, in milligrams of the strength's active ingredient (BNF
    # adult maximum); prescribing more warns. Empty: not checked (liquids, insulin, supplies).
    max_daily_dose_mg = models.DecimalField(
        "maximum daily dose (mg)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal("0.01"), "A maximum daily dose is more than nothing.")
        ],
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["generic_name", "strength", "form", "brand"]
        constraints = [
            models.UniqueConstraint(
                fields=["generic_name", "brand", "form", "strength"],
                name="formulary_item_unique",
            ),
            models.CheckConstraint(condition=Q(pack_size__gte=1), name="formulary_pack_size_1"),
        ]
        indexes = [models.Index(fields=["active", "generic_name"], name="formulary_active_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("formulary_edit", args=[self.pk])

    @property
    def name(self) -> str:
        """What everyone reads: "Amoxicillin 500 mg capsule (Amoxil)"."""
        words = [self.generic_name, self.strength, FORM_LABELS.get(self.form, self.form).lower()]
        if self.form == ItemForm.SUPPLY:
            words = [self.generic_name, self.strength]
        text = " ".join(word for word in words if word)
        return f"{text} ({self.brand})" if self.brand else text


class StoreKind(models.TextChoices):
    MAIN = "main", "Main store"
    PHARMACY = "pharmacy", "Pharmacy"
    WARD = "ward", "Ward store"


class Store(models.Model):
    """A place stock is held: the main store, the pharmacy (which dispenses) and one per ward."""

    name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=8, choices=StoreKind.choices)
    # A ward store belongs to its ward (wards.Ward, by label: pharmacy never imports wards).
    ward = models.OneToOneField(
        "wards.Ward", on_delete=models.PROTECT, null=True, blank=True, related_name="store"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="ward", ward__isnull=False)
                | (~Q(kind="ward") & Q(ward__isnull=True)),
                name="store_ward_only_for_ward_stores",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Supplier(models.Model):
    name = models.CharField(max_length=120, unique=True)
    phone = models.CharField(max_length=20, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Batch(models.Model):
    """One manufacturer's batch of an item: its number, expiry date and what a unit cost us."""

    item = models.ForeignKey(FormularyItem, on_delete=models.PROTECT, related_name="batches")
    batch_number = models.CharField(max_length=40)
    expiry_date = models.DateField()
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["expiry_date", "batch_number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "batch_number"], name="batch_unique_per_item"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="batch_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_number} (exp. {self.expiry_date:%-d %b %Y})"


class PurchaseReceipt(models.Model):
    """Goods received from a supplier against their invoice, into one store."""

    number = models.CharField(max_length=20, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="receipts")
    invoice_number = models.CharField(max_length=40)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="receipts")
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "invoice_number"], name="receipt_one_per_supplier_invoice"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("receipt_detail", args=[self.pk])


class TransferStatus(models.TextChoices):
    SENT = "sent", "Sent, not yet received"
    RECEIVED = "received", "Received"


class Transfer(models.Model):
    """Stock sent from one store to another: it leaves the sender when sent and reaches the
    receiver when someone there receives it (in transit between)."""

    number = models.CharField(max_length=20, unique=True)
    from_store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="transfers_out")
    to_store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="transfers_in")
    status = models.CharField(
        max_length=8, choices=TransferStatus.choices, default=TransferStatus.SENT
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_store=models.F("to_store")), name="transfer_between_two_stores"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("transfer_detail", args=[self.pk])


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="lines")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="transfer_line_quantity_1"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.batch_id}"


class Dispense(models.Model):
    """Medicine handed over against a prescription (or a ward's use of its stock, without one):
    the item given (a substitution records why it differs from the one prescribed), the quantity
    and the charge posted for it. The batches it came from are its ledger rows."""

    number = models.CharField(max_length=20, unique=True)
    prescription = models.ForeignKey(
        "clinical.Prescription",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispenses",
    )
    patient = models.ForeignKey(
        "clinical.Patient", on_delete=models.PROTECT, related_name="dispenses"
    )
    admission = models.ForeignKey(
        "wards.Admission", on_delete=models.PROTECT, null=True, blank=True, related_name="dispenses"
    )
    item = models.ForeignKey(FormularyItem, on_delete=models.PROTECT, related_name="dispenses")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="dispenses")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    returned_quantity = models.PositiveIntegerField(default=0)
    substitution_reason = models.CharField(max_length=200, blank=True)
    # Why a batch other than the first to expire was taken (blank: first-expiry-first-out).
    batch_choice_reason = models.CharField(max_length=200, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    charge = models.ForeignKey(
        "billing.Charge", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dispensed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    dispensed_at = models.DateTimeField()

    class Meta:
        ordering = ["-dispensed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="dispense_quantity_1"),
            models.CheckConstraint(
                condition=Q(returned_quantity__lte=models.F("quantity")),
                name="dispense_returned_at_most_given",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "-dispensed_at"], name="dispense_patient_idx"),
            models.Index(fields=["dispensed_at"], name="dispense_at_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("dispense_detail", args=[self.pk])


class DispenseReturn(models.Model):
    """Unused medicine brought back: stock back on the shelf, the charge reversed for it."""

    dispense = models.ForeignKey(Dispense, on_delete=models.PROTECT, related_name="returns")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    reason = models.CharField(max_length=200)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField()
    reversal = models.ForeignKey(
        "billing.Charge", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["returned_at", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} returned of {self.dispense_id}"

    def get_absolute_url(self) -> str:
        return reverse("dispense_detail", args=[self.dispense_id])


class Sale(models.Model):
    """An over-the-counter sale to a walk-in customer, paid at the counter, with a receipt."""

    class PaymentMode(models.TextChoices):
        CASH = "cash", "Cash"
        MPESA = "mpesa", "M-Pesa"
        CARD = "card", "Card"

    number = models.CharField(max_length=20, unique=True)
    customer_name = models.CharField(max_length=120, blank=True)
    customer_phone = models.CharField(max_length=20, blank=True)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="sales")
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    tax = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    payment_mode = models.CharField(max_length=8, choices=PaymentMode.choices)
    payment_reference = models.CharField(max_length=40, blank=True)
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sold_at = models.DateTimeField()

    class Meta:
        ordering = ["-sold_at", "-id"]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("sale_detail", args=[self.pk])


class SaleLine(models.Model):
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(FormularyItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.item_id}"


class StockTakeStatus(models.TextChoices):
    OPEN = "open", "Counting"
    POSTED = "posted", "Posted"


class StockTake(models.Model):
    """A count of one store: what the ledger says, what was counted, and the adjustments posted
    for the difference (each with its reason)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="stock_takes")
    status = models.CharField(
        max_length=8, choices=StockTakeStatus.choices, default=StockTakeStatus.OPEN
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Stock take of {self.store_id} ({self.started_at:%-d %b %Y})"

    def get_absolute_url(self) -> str:
        return reverse("stock_take", args=[self.pk])


class StockTakeLine(models.Model):
    stock_take = models.ForeignKey(StockTake, on_delete=models.PROTECT, related_name="lines")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    expected = models.IntegerField()
    counted = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["stock_take", "batch"], name="stock_take_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.counted} counted, {self.expected} expected"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", "Received from supplier"
    TRANSFER_OUT = "transfer_out", "Sent to another store"
    TRANSFER_IN = "transfer_in", "Received from another store"
    DISPENSE = "dispense", "Dispensed"
    SALE = "sale", "Sold over the counter"
    WARD_USE = "ward_use", "Used on the ward"
    ADMINISTER = "administer", "Given on the ward (MAR)"
    RETURN = "return", "Returned by the patient"
    ADJUSTMENT = "adjustment", "Adjustment"
    WRITE_OFF = "write_off", "Expired, written off"


# The sign each kind of movement carries: +1 adds to the store, -1 takes from it, 0 either way.
MOVEMENT_SIGN = {
    MovementKind.RECEIPT: 1,
    MovementKind.TRANSFER_IN: 1,
    MovementKind.RETURN: 1,
    MovementKind.TRANSFER_OUT: -1,
    MovementKind.DISPENSE: -1,
    MovementKind.SALE: -1,
    MovementKind.WARD_USE: -1,
    MovementKind.ADMINISTER: -1,
    MovementKind.WRITE_OFF: -1,
    MovementKind.ADJUSTMENT: 0,
}


class StockMovement(models.Model):
    """One row of the append-only stock ledger: `quantity` units (signed: + in, − out) of a batch
    into or out of a store, why, by whom, and the document it belongs to. Never updated or
    deleted: a mistake is put right by another movement."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="movements")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="movements")
    # The batch's item, kept on the row so reports group by item without a join.
    item = models.ForeignKey(FormularyItem, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=MovementKind.choices)
    quantity = models.IntegerField()
    reason = models.CharField(max_length=200, blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    moved_at = models.DateTimeField()
    receipt = models.ForeignKey(
        PurchaseReceipt, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    dispense = models.ForeignKey(
        Dispense, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    sale = models.ForeignKey(
        Sale, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    stock_take = models.ForeignKey(
        StockTake, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    administration = models.ForeignKey(
        "pharmacy.MedicationAdministration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
    )

    class Meta:
        ordering = ["moved_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="movement_not_zero"),
            models.CheckConstraint(
                condition=Q(kind__in=["receipt", "transfer_in", "return"], quantity__gt=0)
                | Q(
                    kind__in=[
                        "transfer_out",
                        "dispense",
                        "sale",
                        "ward_use",
                        "administer",
                        "write_off",
                    ],
                    quantity__lt=0,
                )
                | Q(kind="adjustment"),
                name="movement_sign_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["item", "moved_at"], name="movement_item_at_idx"),
            models.Index(fields=["store", "moved_at"], name="movement_store_at_idx"),
            models.Index(fields=["kind", "moved_at"], name="movement_kind_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} of {self.batch_id} at {self.store_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("The stock ledger is append-only: a movement is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN201
        raise ValueError("The stock ledger is append-only: a movement is never deleted.")


class StockBalance(models.Model):
    """How many units of a batch a store holds now: the sum of the batch's movements in the store,
    kept by pharmacy.ledger.move in the same transaction, never typed."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="balances")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="balances")
    item = models.ForeignKey(FormularyItem, on_delete=models.PROTECT, related_name="balances")
    expiry_date = models.DateField()
    quantity = models.IntegerField(default=0)

    class Meta:
        ordering = ["expiry_date", "batch_id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "batch"], name="balance_one_per_store_batch"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="balance_never_negative"),
        ]
        indexes = [
            models.Index(fields=["store", "item", "expiry_date"], name="balance_store_item_idx"),
            models.Index(fields=["item", "expiry_date"], name="balance_item_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.batch_id} at {self.store_id}"


class StockAlertKind(models.TextChoices):
    REORDER = "reorder", "Below reorder level"
    EXPIRING = "expiring", "Expiring soon"
    EXPIRED = "expired", "Expired, still on a shelf"


class StockAlert(models.Model):
    """What the daily check found (pharmacy.tasks): an item below its reorder level, or a batch
    expiring within HMS_PHARMACY_EXPIRY_WARNING_DAYS, shown live to pharmacists. Rebuilt each run."""

    kind = models.CharField(max_length=8, choices=StockAlertKind.choices)
    item = models.ForeignKey(FormularyItem, on_delete=models.CASCADE, related_name="alerts")
    batch = models.ForeignKey(
        Batch, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    quantity = models.IntegerField(default=0)
    expiry_date = models.DateField(null=True, blank=True)
    found_on = models.DateField()

    class Meta:
        ordering = ["kind", "expiry_date", "item_id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.item_id}"


class DoseFrequency(models.TextChoices):
    """How often an inpatient medication order is given. The fixed-time ones fall at the ward's
    standard times in the hospital's time zone (DOSE_TIMES); the "every N hours" ones count from
    the order's start; "once only" is due at the start; "when required" (PRN) has no schedule."""

    ONCE_DAILY = "od", "Once daily (08:00)"
    TWICE_DAILY = "bd", "Twice daily (08:00, 20:00)"
    THREE_TIMES = "tds", "Three times daily (06:00, 14:00, 22:00)"
    FOUR_TIMES = "qds", "Four times daily (06:00, 12:00, 18:00, 00:00)"
    AT_NIGHT = "nocte", "At night (22:00)"
    EVERY_6H = "q6h", "Every 6 hours from the start"
    EVERY_8H = "q8h", "Every 8 hours from the start"
    EVERY_12H = "q12h", "Every 12 hours from the start"
    ONCE = "stat", "Once only, at the start"
    PRN = "prn", "When required (PRN)"


# The ward's standard administration times (hour, minute) of the fixed-time frequencies.
DOSE_TIMES: dict[str, tuple[tuple[int, int], ...]] = {
    DoseFrequency.ONCE_DAILY: ((8, 0),),
    DoseFrequency.TWICE_DAILY: ((8, 0), (20, 0)),
    DoseFrequency.THREE_TIMES: ((6, 0), (14, 0), (22, 0)),
    DoseFrequency.FOUR_TIMES: ((0, 0), (6, 0), (12, 0), (18, 0)),
    DoseFrequency.AT_NIGHT: ((22, 0),),
}
# Hours between doses of the interval frequencies, counted from the order's start.
DOSE_INTERVAL_HOURS: dict[str, int] = {
    DoseFrequency.EVERY_6H: 6,
    DoseFrequency.EVERY_8H: 8,
    DoseFrequency.EVERY_12H: 12,
}


class MedicationOrder(models.Model):
    """A doctor's inpatient order for a formulary item: the dose as read ("1 g"), the whole
    dispensing units one dose takes from the ward store, the route and how often, from start to
    an optional planned stop; "when required" (PRN) orders carry their indication and the most
    doses in any 24 hours. Stopping it early is the doctor's (stopped_by/at/reason), audited."""

    admission = models.ForeignKey(
        "wards.Admission", on_delete=models.PROTECT, related_name="medication_orders"
    )
    patient = models.ForeignKey(
        "clinical.Patient", on_delete=models.PROTECT, related_name="medication_orders"
    )
    item = models.ForeignKey(
        FormularyItem, on_delete=models.PROTECT, related_name="medication_orders"
    )
    dose = models.CharField(max_length=40, help_text="As the nurse reads it, e.g. 1 g, 2 tablets")
    units_per_dose = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Whole dispensing units one dose takes from the ward store",
    )
    route = models.CharField(max_length=10, choices=Route.choices)
    frequency = models.CharField(max_length=6, choices=DoseFrequency.choices)
    prn_max_per_24h = models.PositiveSmallIntegerField(
        "most doses in 24 hours", null=True, blank=True
    )
    indication = models.CharField(max_length=120, blank=True, help_text="What it is for (PRN)")
    start_at = models.DateTimeField()
    stop_at = models.DateTimeField("planned stop", null=True, blank=True)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ordered_at = models.DateTimeField()
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=200, blank=True)
    # The prescribing checks' answers, as on a prescription: why it was ordered despite an
    # allergy (audited), and the warnings the doctor read and confirmed, as their sentences.
    allergy_override_reason = models.CharField(max_length=300, blank=True)
    warnings_confirmed = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["start_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(units_per_dose__gte=1), name="medication_order_units_1"
            ),
            models.CheckConstraint(
                condition=~Q(frequency="prn") | Q(prn_max_per_24h__gte=1),
                name="medication_order_prn_has_max",
            ),
            models.CheckConstraint(
                condition=Q(stop_at__isnull=True) | Q(stop_at__gt=models.F("start_at")),
                name="medication_order_stops_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["admission", "start_at"], name="medication_order_adm_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.dose} {self.get_frequency_display()}"

    def get_absolute_url(self) -> str:
        return reverse("medication_chart", args=[self.admission_id])

    @property
    def ends_at(self):  # noqa: ANN201
        """When doses stop falling due: the earlier of the planned stop and the doctor's stop."""
        ends = [moment for moment in (self.stop_at, self.stopped_at) if moment is not None]
        return min(ends) if ends else None

    @property
    def is_prn(self) -> bool:
        return self.frequency == DoseFrequency.PRN

    @property
    def is_active(self) -> bool:
        """Neither stopped nor past its planned stop, now."""
        return self.ends_at is None or self.ends_at > timezone.now()


class DoseOutcome(models.TextChoices):
    GIVEN = "given", "Given"
    HELD = "held", "Held"
    REFUSED = "refused", "Refused by the patient"
    NOT_AVAILABLE = "not_available", "Not available"


class MedicationAdministration(models.Model):
    """One dose on the medication administration record: the scheduled time it was due (none for
    a PRN dose), what happened (given, held, refused, not available; a reason unless given), who
    recorded it and when. A dose given took its units from the ward store (its ledger rows,
    `movements`) and posted its charge to the stay."""

    order = models.ForeignKey(
        MedicationOrder, on_delete=models.PROTECT, related_name="administrations"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=14, choices=DoseOutcome.choices)
    reason = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    charge = models.ForeignKey(
        "billing.Charge", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["order_id", "due_at", "recorded_at", "id"]
        constraints = [
            # A scheduled dose is recorded once: a double tap, or two nurses at once, meet this.
            models.UniqueConstraint(
                fields=["order", "due_at"],
                condition=Q(due_at__isnull=False),
                name="administration_once_per_due_dose",
            ),
            models.CheckConstraint(
                condition=Q(outcome="given") | ~Q(reason=""),
                name="administration_reason_unless_given",
            ),
        ]
        indexes = [
            models.Index(fields=["order", "recorded_at"], name="administration_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.order_id} due {self.due_at}"

    def get_absolute_url(self) -> str:
        return reverse("medication_chart", args=[self.order.admission_id])


def admission_model() -> type[models.Model]:
    """The stay model, reached through the label the dispense's foreign key names
    ("wards.Admission"): pharmacy refers to wards by label only (pyproject's import contracts)."""
    return Dispense._meta.get_field("admission").related_model
